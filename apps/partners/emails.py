"""Emails about accounts."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.partners.models import Membership


def invitation_link(membership: Membership, site_url: str | None = None) -> str:
    """A link to allauth's set-password page, valid for PASSWORD_RESET_TIMEOUT."""
    user = membership.user
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return (site_url or settings.SITE_URL) + path.replace("UID-KEY", key)


def _context(membership: Membership, site_url: str | None) -> dict:
    return {
        "membership": membership,
        "site_url": site_url or settings.SITE_URL,
        "login_url": (site_url or settings.SITE_URL) + reverse("account_login"),
        "contact": settings.VAR_CONTACT_EMAIL,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }


def send_invitation(*, membership_id: int, site_url: str | None = None) -> None:
    membership = Membership.objects.select_related("user", "organisation", "invited_by").get(pk=membership_id)
    context = _context(membership, site_url) | {"link": invitation_link(membership, site_url)}
    send_mail(
        subject=_("Uitnodiging Mensenhandelmonitor – %(org)s") % {"org": membership.organisation},
        message=render_to_string("partners/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[membership.user.email],
    )


def send_added(*, membership_id: int, site_url: str | None = None) -> None:
    """Tell someone with an account that they now also work for another organisation."""
    membership = Membership.objects.select_related("user", "organisation", "invited_by").get(pk=membership_id)
    send_mail(
        subject=_("U bent toegevoegd aan %(org)s in de Mensenhandelmonitor") % {"org": membership.organisation},
        message=render_to_string("partners/email/added.txt", _context(membership, site_url)),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[membership.user.email],
    )
