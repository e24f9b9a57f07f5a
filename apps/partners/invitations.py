"""Invitations: inviting a person, adding an existing account, resending, and what is pending.

Services (keyword-only, atomic, audited) plus one selector. Links in the mails point at the site
the staff member is using (the request's host), so they work whatever port or name it runs on.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.partners import access, audit
from apps.partners.models import AuditEvent, Membership, Organisation, User
from apps.partners.services import _sync_admin_flags, check_may_manage_role, check_role_fits_organisation


class Outcome:
    INVITED = "invited"  # a set-password mail went out (new account, or one never activated)
    ADDED = "added"  # an active account got a membership and a "you have been added" mail


def site_url(request: HttpRequest | None) -> str:
    """The address the user reached us on (its host is checked against ALLOWED_HOSTS), else SITE_URL."""
    if request is None:
        return settings.SITE_URL
    return request.build_absolute_uri("/").rstrip("/")


def is_pending(user: User) -> bool:
    """Invited but never set a password nor logged in."""
    return not user.has_usable_password() and user.last_login is None


def invitation_expiry(sent_at: datetime.datetime) -> datetime.datetime:
    return sent_at + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def _queue(kind: str, membership: Membership, url: str) -> None:
    from apps.partners.tasks import send_added_mail, send_invitation

    task = send_invitation if kind == Outcome.INVITED else send_added_mail
    transaction.on_commit(lambda: task.delay(membership.pk, url))


@transaction.atomic
def invite_person(
    *,
    email: str,
    name: str = "",
    organisation: Organisation,
    role: str,
    invited_by: User,
    request: HttpRequest | None = None,
) -> tuple[Membership, str]:
    """Give a person a membership and tell them: a set-password link, or "you have been added".

    An address that already has an active account gets no set-password mail (it would invite a
    stranger to take over the account's password); it is added and told so. A disabled account
    is refused: only an administrator can switch it back on.
    """
    access.require_staff(invited_by)
    check_role_fits_organisation(organisation=organisation, role=role)
    check_may_manage_role(actor=invited_by, roles={role})
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, name=name.strip())
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    elif not user.is_active:
        raise ValidationError({"email": _("Het account van %(email)s is uitgeschakeld; vraag een beheerder het weer aan te zetten.") % {"email": email}})
    elif Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError({"email": _("Deze persoon is al lid van %(org)s.") % {"org": organisation}})
    outcome = Outcome.INVITED if created or is_pending(user) else Outcome.ADDED
    membership = Membership.objects.create(user=user, organisation=organisation, role=role, invited_by=invited_by)
    _sync_admin_flags(user)
    summary = (
        f"{email} uitgenodigd als {membership.get_role_display()}"
        if outcome == Outcome.INVITED
        else f"{email} (bestaand account) toegevoegd als {membership.get_role_display()}"
    )
    audit.record(
        action=AuditEvent.Action.INVITED,
        actor=invited_by,
        organisation=organisation,
        obj=membership,
        summary=summary,
        data={"email": email, "role": role, "new_account": created, "outcome": outcome},
        request=request,
    )
    _queue(outcome, membership, site_url(request))
    return membership, outcome


@transaction.atomic
def resend_invitation(*, membership: Membership, resent_by: User, request: HttpRequest | None = None) -> Membership:
    """Send a fresh set-password link to someone who has not used theirs yet."""
    access.require_staff(resent_by)
    membership = Membership.objects.select_related("user", "organisation").select_for_update(of=("self",)).get(pk=membership.pk)
    if not is_pending(membership.user):
        raise ValidationError(_("%(email)s heeft al een wachtwoord ingesteld; een nieuwe uitnodiging is niet nodig.") % {"email": membership.user.email})
    audit.record(
        action=AuditEvent.Action.INVITED,
        actor=resent_by,
        organisation=membership.organisation,
        obj=membership,
        summary=f"Uitnodiging opnieuw verstuurd aan {membership.user.email}",
        data={"email": membership.user.email, "role": membership.role, "resend": True},
        request=request,
    )
    _queue(Outcome.INVITED, membership, site_url(request))
    return membership


@dataclass
class PendingInvitation:
    membership: Membership
    sent_at: datetime.datetime
    expires_at: datetime.datetime

    @property
    def is_expired(self) -> bool:
        return self.expires_at < timezone.now()


def pending_memberships(*, organisation: Organisation | None = None) -> QuerySet[Membership]:
    """Memberships of people who never set their password, oldest first (a page of it is a slice)."""
    memberships = Membership.objects.select_related("user", "organisation", "invited_by").filter(
        user__password__startswith="!", user__last_login__isnull=True, user__is_active=True
    )
    if organisation is not None:
        memberships = memberships.filter(organisation=organisation)
    return memberships.order_by("created_at", "pk")


def pending_invitations(
    *, organisation: Organisation | None = None, memberships: Iterable[Membership] | None = None
) -> list[PendingInvitation]:
    """Pending memberships (all, or the given page of them) with when the last link went out."""
    if memberships is None:
        memberships = pending_memberships(organisation=organisation)
    memberships = list(memberships)
    sent: dict[str, datetime.datetime] = {}
    for object_id, at in AuditEvent.objects.filter(
        action=AuditEvent.Action.INVITED,
        object_type="partners.membership",
        object_id__in=[str(m.pk) for m in memberships],
    ).values_list("object_id", "at"):
        sent[object_id] = max(at, sent.get(object_id, at))
    result = []
    for m in memberships:
        at = sent.get(str(m.pk), m.created_at)
        result.append(PendingInvitation(membership=m, sent_at=at, expires_at=invitation_expiry(at)))
    return result
