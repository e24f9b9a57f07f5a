"""Password rules with messages that are translated.

Django 5.2's MinimumLengthValidator asks gettext for a message id ("...at least %d character.")
that its own Dutch catalogue does not have (that still has "%(min_length)d"), so the error
appeared in English on the Dutch set-password page. This one says the same in the project's words.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.utils.translation import ngettext


class MinimumLength(MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "Dit wachtwoord is te kort: gebruik minstens %(min_length)d teken.",
            "Dit wachtwoord is te kort: gebruik minstens %(min_length)d tekens.",
            self.min_length,
        ) % {"min_length": self.min_length}
