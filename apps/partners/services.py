"""Business rules for organisations, memberships and invitations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from apps.partners import access, audit
from apps.partners.models import (
    AuditEvent,
    Membership,
    Organisation,
    Role,
    User,
    check_role_fits_organisation,
)


def check_may_manage_role(*, actor: User, roles: set[str]) -> None:
    """Only administrators grant, change or remove the administrator role."""
    if Role.ADMINISTRATOR in roles and not access.is_administrator(actor):
        raise ValidationError({"role": _("Alleen een beheerder kan de rol beheerder toekennen of wijzigen.")})


def check_keeps_an_administrator(*, membership: Membership) -> None:
    """Never leave the application without an administrator."""
    if membership.role == Role.ADMINISTRATOR and not Membership.objects.filter(role=Role.ADMINISTRATOR).exclude(pk=membership.pk).exists():
        raise ValidationError({"role": _("Dit is de laatste beheerder; wijs eerst een andere beheerder aan.")})


def _sync_admin_flags(user: User) -> None:
    """Django's admin needs is_staff; it follows the administrator role, never set by hand."""
    access.forget_roles(user)
    is_admin = access.is_administrator(user)
    if user.is_staff != is_admin or user.is_superuser != is_admin:
        user.is_staff = user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])


@transaction.atomic
def change_role(*, membership: Membership, role: str, changed_by: User, request: HttpRequest | None = None) -> Membership:
    access.require_staff(changed_by)
    check_role_fits_organisation(organisation=membership.organisation, role=role)
    check_may_manage_role(actor=changed_by, roles={role, membership.role})
    if role != Role.ADMINISTRATOR:
        check_keeps_an_administrator(membership=membership)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _sync_admin_flags(membership.user)
    audit.record(
        action=AuditEvent.Action.MEMBERSHIP_CHANGED,
        actor=changed_by,
        organisation=membership.organisation,
        obj=membership,
        summary=f"{membership.user.email}: {Role(old).label} → {membership.get_role_display()}",
        data={"old": old, "new": role},
        request=request,
    )
    return membership


@transaction.atomic
def remove_membership(*, membership: Membership, removed_by: User, request: HttpRequest | None = None) -> None:
    access.require_staff(removed_by)
    if membership.user_id == removed_by.pk:
        raise ValidationError(_("U kunt uw eigen lidmaatschap niet verwijderen."))
    check_may_manage_role(actor=removed_by, roles={membership.role})
    check_keeps_an_administrator(membership=membership)
    user = membership.user
    audit.record(
        action=AuditEvent.Action.MEMBERSHIP_REMOVED,
        actor=removed_by,
        organisation=membership.organisation,
        obj=membership,
        summary=f"{user.email} verwijderd uit {membership.organisation}",
        data={"role": membership.role},
        request=request,
    )
    membership.delete()
    _sync_admin_flags(user)


# -- accounts and organisations (the admin's only way to change them) ------------------------------


@transaction.atomic
def update_account(
    *, user: User, name: str, is_active: bool, changed_by: User, request: HttpRequest | None = None
) -> User:
    """Rename or (de)activate an account. Only administrators; nobody switches themselves off."""
    if not access.is_administrator(changed_by):
        raise ValidationError(_("Alleen een beheerder wijzigt accounts."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not is_active and user.pk == changed_by.pk:
        raise ValidationError({"is_active": _("U kunt uw eigen account niet uitschakelen.")})
    name = name.strip()
    if name != user.name:
        audit.record(
            action=AuditEvent.Action.ACCOUNT_RENAMED,
            actor=changed_by,
            obj=user,
            summary=f"{user.email}: {user.name or '–'} → {name or '–'}",
            data={"old": user.name, "new": name},
            request=request,
        )
        user.name = name
    if is_active != user.is_active:
        audit.record(
            action=AuditEvent.Action.ACTIVATED if is_active else AuditEvent.Action.DEACTIVATED,
            actor=changed_by,
            obj=user,
            summary=(_("%(email)s weer ingeschakeld") if is_active else _("%(email)s uitgeschakeld")) % {"email": user.email},
            request=request,
        )
        user.is_active = is_active
    user.save(update_fields=["name", "is_active"])
    access.forget_roles(user)
    return user


ORGANISATION_FIELDS = ("name", "short_name", "slug", "kind", "subregion", "cbs_code", "valid_from", "valid_to")


@transaction.atomic
def save_organisation(
    *, organisation: Organisation, changed_by: User, request: HttpRequest | None = None
) -> Organisation:
    """Create or change an organisation (never its 'is de VAR' flag), with one audit entry saying what changed."""
    access.require_staff(changed_by)
    created = organisation.pk is None
    before = {} if created else Organisation.objects.select_for_update().filter(pk=organisation.pk).values(*ORGANISATION_FIELDS, "is_var").get()
    if not created and organisation.is_var != before["is_var"]:
        raise ValidationError({"is_var": _("Of een organisatie de VAR is, verandert niet.")})
    organisation.full_clean()
    organisation.save()
    changes = {f: [str(before.get(f, "")), str(getattr(organisation, f))] for f in ORGANISATION_FIELDS if before.get(f) != getattr(organisation, f)}
    if created:
        action, summary = AuditEvent.Action.ORGANISATION_CREATED, _("%(name)s aangemaakt") % {"name": organisation.name}
    elif "name" in changes or "short_name" in changes:
        old = before["name"]
        action, summary = AuditEvent.Action.ORGANISATION_RENAMED, f"{old} → {organisation.name}"
    else:
        action, summary = AuditEvent.Action.ORGANISATION_CHANGED, _("%(name)s gewijzigd: %(fields)s") % {
            "name": organisation.name, "fields": ", ".join(sorted(changes)) or "–"}
    if created or changes:
        audit.record(
            action=action, actor=changed_by, organisation=organisation, obj=organisation, summary=summary,
            data={"changes": changes}, request=request,
        )
    return organisation


@transaction.atomic
def remove_authenticator(*, authenticator, removed_by: User, request: HttpRequest | None = None) -> None:
    """An administrator removes someone's TOTP or recovery codes (a lost phone); they must set it up again."""
    if not access.is_administrator(removed_by):
        raise ValidationError(_("Alleen een beheerder verwijdert tweestapsverificatie van een ander."))
    audit.record(
        action=AuditEvent.Action.MFA_REMOVED_BY_ADMIN,
        actor=removed_by,
        obj=authenticator.user,
        summary=f"{authenticator.user.email}: {authenticator.get_type_display()}",
        data={"type": authenticator.type, "user": authenticator.user_id},
        request=request,
    )
    authenticator.delete()
