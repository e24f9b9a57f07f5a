"""Require two-factor authentication for VAR staff and administrators."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.partners import access

# Pages a staff member without an authenticator can still reach: logging in and out,
# setting up TOTP, language switching and static files.
_ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz/")


def needs_two_factor(user) -> bool:
    """Staff and administrators must have a TOTP authenticator before they do anything else."""
    if not user.is_authenticated or not access.is_var_staff(user):
        return False
    if settings.DEBUG and settings.MFA_EXEMPT_DEMO_ACCOUNTS_IN_DEBUG and user.email.endswith("@demo.invalid"):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_ALLOWED_PREFIXES) and needs_two_factor(request.user):
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
