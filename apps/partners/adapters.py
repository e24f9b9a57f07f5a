"""Adapt django-allauth to a closed community: nobody signs up, adds addresses, or reads a secret."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by invitation from VAR staff only.
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Record a login refused by the rate limit: those attempts never reach the password check."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            from apps.partners import audit
            from apps.partners.models import AuditEvent

            email = str(credentials.get("email") or credentials.get("username") or "")[:254]
            audit.record(action=AuditEvent.Action.RATE_LIMITED, actor_email=email, request=request)
            raise

    def authenticate(self, request: HttpRequest, **credentials: Any):
        """Log in only with the account's own address (User.email, which the VAR manages).

        allauth also accepts any EmailAddress row of the user; an address added by someone else
        than the VAR (before adding was closed) must not open the account.
        """
        user = super().authenticate(request, **credentials)
        given = str(credentials.get("email") or "").strip().lower()
        if user is not None and given and given != user.email.lower():
            self.authentication_failed(request, **credentials)
            return None
        return user


def _fernet() -> Fernet:
    try:
        return Fernet(settings.MFA_ENCRYPTION_KEY)
    except ValueError as error:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEY is geen geldige Fernet-sleutel.") from error


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are stored encrypted: a database dump or the admin never shows them."""

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return _fernet().decrypt(encrypted_text.encode()).decode()
        except InvalidToken as error:
            # Never fall back to reading it as plain text: that would accept an unencrypted secret.
            raise ValueError("Het TOTP-geheim is niet met MFA_ENCRYPTION_KEY versleuteld.") from error
