"""Emails about accounts."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from apps.partners.models import Membership


def invitation_link(membership: Membership) -> str:
    """A link to allauth's set-password page, valid for PASSWORD_RESET_TIMEOUT."""
    user = membership.user
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return settings.SITE_URL + path.replace("UID-KEY", key)


def send_invitation(*, membership_id: int) -> None:
    membership = Membership.objects.select_related("user", "organisation", "invited_by").get(pk=membership_id)
    context = {
        "membership": membership,
        "link": invitation_link(membership),
        "site_url": settings.SITE_URL,
        "contact": settings.VAR_CONTACT_EMAIL,
    }
    send_mail(
        subject=f"Uitnodiging Mensenhandelmonitor – {membership.organisation}",
        message=render_to_string("partners/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[membership.user.email],
    )
