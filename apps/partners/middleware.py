"""Require two-factor authentication for VAR staff and administrators."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.partners import access

needs_two_factor = access.needs_two_factor  # the rule lives in access.py

# What a staff member without an authenticator can still reach: setting up TOTP (allauth asks for
# the password again first) and logging out; plus language switching, static files and the health
# check, which show nothing of the application. Everything else, /accounts/ pages included, waits.
_ALLOWED_NAMES = ("mfa_activate_totp", "account_reauthenticate", "account_logout")
_ALLOWED_PREFIXES = ("/i18n/", "/static/", "/healthz/")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._allowed_paths: frozenset[str] | None = None

    def _allowed(self, path: str) -> bool:
        if self._allowed_paths is None:
            self._allowed_paths = frozenset(reverse(name) for name in _ALLOWED_NAMES)
        return path in self._allowed_paths or path.startswith(_ALLOWED_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._allowed(request.path) and access.needs_two_factor(request.user):
            messages.warning(
                request,
                _(
                    "Als VAR-medewerker of beheerder moet u tweestapsverificatie instellen "
                    "voordat u verder kunt. Scan de QR-code met een authenticator-app."
                ),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class DutchUnlessChosenMiddleware:
    """Show Dutch unless the user picked English in the language menu.

    The users are Dutch professionals whose browsers often say English; the interface follows
    their explicit choice (the language cookie), not the browser's Accept-Language header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
