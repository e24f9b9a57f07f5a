"""Record account events that matter in the audit log."""

from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from apps.partners import audit
from apps.partners.models import AuditEvent


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    audit.record(action=AuditEvent.Action.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit.record(action=AuditEvent.Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Never store the password that was tried; the email address alone says whom it concerned.
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit.record(action=AuditEvent.Action.LOGIN_FAILED, actor_email=email, request=request)


@receiver(authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs) -> None:
    audit.record(
        action=AuditEvent.Action.MFA_ACTIVATED, actor=user, summary=authenticator.type, request=request
    )


@receiver(authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs) -> None:
    audit.record(
        action=AuditEvent.Action.MFA_DEACTIVATED, actor=user, summary=authenticator.type, request=request
    )


@receiver(password_reset)
def _password_reset(sender, request, user, **kwargs) -> None:
    audit.record(action=AuditEvent.Action.PASSWORD_RESET, actor=user, request=request)


@receiver(password_changed)
def _password_changed(sender, request, user, **kwargs) -> None:
    audit.record(action=AuditEvent.Action.PASSWORD_CHANGED, actor=user, request=request)
