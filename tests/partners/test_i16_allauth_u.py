"""allauth's pages speak with "u" too: the project catalogue (locale/nl) overrides allauth's informal Dutch."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD, _with_totp

JE = re.compile(r"\b(je|jij|jouw|jou|jezelf)\b", re.IGNORECASE)
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"


def _visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", html)


def _informal(response) -> list[str]:
    return JE.findall(_visible_text(response))


def _log_in(client, user) -> None:
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    # allauth asks for the password once more before the two-factor pages; answer it up front.
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def test_it_has_no_informal_form_in_the_override_catalogue():
    with (CATALOGUE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    translations = [text for key, text in catalogue._catalog.items() if key]  # type: ignore[attr-defined]

    assert len(translations) >= 60
    assert [text for text in translations if JE.search(text)] == []
    assert not JE.search((CATALOGUE / "django.po").read_text(encoding="utf-8").split("msgid", 1)[1])


def test_it_prefers_the_project_catalogue_over_allauths():
    with translation.override("nl"):
        assert translation.gettext("Are you sure you want to sign out?") == "Weet u zeker dat u wilt uitloggen?"
        assert translation.gettext("Two-Factor Authentication") == "Tweestapsverificatie"


@pytest.mark.parametrize("name", ["account_reset_password", "account_reset_password_done"])
def test_it_says_u_on_the_password_reset_pages(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert _informal(response) == []


def test_it_says_u_when_the_password_reset_form_is_sent(client, alice):
    response = client.post(reverse("account_reset_password"), {"email": alice.email}, follow=True)

    assert "Wij hebben u een e-mail gestuurd" in _visible_text(response)
    assert _informal(response) == []


def test_it_says_u_in_the_password_reset_email(client, alice, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": alice.email})

    assert "U ontvangt deze e-mail omdat u of iemand anders" in mailoutbox[0].body
    assert JE.findall(mailoutbox[0].subject + mailoutbox[0].body) == []


def test_it_says_u_when_the_password_is_wrong(client, alice):
    response = client.post(reverse("account_login"), {"login": alice.email, "password": "wrong-password-123"})

    assert "Het opgegeven e-mailadres en/of wachtwoord is niet juist." in _visible_text(response)
    assert _informal(response) == []


def test_it_says_u_when_setting_up_the_authenticator_app(client, alice):
    _log_in(client, alice)
    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 200
    assert "authenticator-app" in _visible_text(response)
    assert _informal(response) == []


@pytest.mark.parametrize(
    "name",
    ["mfa_index", "mfa_deactivate_totp", "mfa_generate_recovery_codes", "mfa_view_recovery_codes",
     "account_change_password", "account_email", "account_logout", "account_reauthenticate"],
)
def test_it_says_u_on_the_two_factor_and_account_pages(client, alice, name):
    _log_in(client, alice)
    _with_totp(alice)
    RecoveryCodes.activate(alice)
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert _informal(response) == []


def test_it_says_u_when_asking_for_the_code_at_login(client, vera):
    response = client.post(reverse("account_login"), {"login": vera.email, "password": PASSWORD}, follow=True)

    assert "Uw account is beveiligd met tweestapsverificatie" in _visible_text(response)
    assert _informal(response) == []


def test_it_says_u_on_the_confirmation_to_generate_new_recovery_codes(client, alice):
    _log_in(client, alice)
    _with_totp(alice)
    response = client.get(reverse("mfa_generate_recovery_codes"))

    assert "U staat op het punt een nieuwe set herstelcodes" in _visible_text(response)
