"""The one place that decides which organisations (and their objects) a user may see and change.

Every view and query goes through these helpers; a stranger gets 404, never a hint that the
object exists.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.partners.models import STAFF_ROLES, Membership, Organisation, Role, User

_CACHE_ATTR = "_mhm_roles"


def roles_by_organisation(user: User) -> dict[int, str]:
    """Return {organisation id: role} for the user, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: User) -> None:
    """Drop the cached roles after memberships changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_var_staff(user: User) -> bool:
    """VAR staff review submissions and manage editions; administrators are staff too."""
    return any(role in STAFF_ROLES for role in roles_by_organisation(user).values())


def is_administrator(user: User) -> bool:
    return Role.ADMINISTRATOR in roles_by_organisation(user).values()


def role_in(user: User, organisation: Organisation | int) -> str | None:
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    return roles_by_organisation(user).get(org_id)


def can_read(user: User, organisation: Organisation | int) -> bool:
    return is_var_staff(user) or role_in(user, organisation) is not None


def can_edit_drafts(user: User, organisation: Organisation | int) -> bool:
    """Coordinators and contributors edit drafts; VAR staff edit the VAR's own forms."""
    return role_in(user, organisation) in {Role.COORDINATOR, Role.CONTRIBUTOR, Role.REVIEWER, Role.ADMINISTRATOR}


def can_submit(user: User, organisation: Organisation | int) -> bool:
    return role_in(user, organisation) in {Role.COORDINATOR, Role.REVIEWER, Role.ADMINISTRATOR}


def organisations_for(user: User) -> QuerySet[Organisation]:
    """Organisations the user may see: all for VAR staff, their own for everyone else."""
    if is_var_staff(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=list(roles_by_organisation(user)))


def get_organisation_for_user(user: User, slug: str) -> Organisation:
    """Return the organisation, or 404 when it does not exist or the user may not see it."""
    try:
        return organisations_for(user).get(slug=slug)
    except Organisation.DoesNotExist:
        raise Http404 from None


def require_staff(user: User) -> None:
    """Give 404 to anyone but VAR staff, so staff pages do not reveal themselves."""
    if not is_var_staff(user):
        raise Http404


def sees_internal_figures(user: User, edition) -> bool:
    """Whether the user sees an edition's monitor unprotected (small counts of persons shown).

    VAR staff always; other logged-in members of an organisation only when the edition's disclosure
    policy opens the internal figures to partners; everyone else (anonymous, the public) never.
    """
    from apps.submissions.models import Edition  # the submissions app builds on this one

    if is_var_staff(user):
        return True
    return edition.internal_audience == Edition.InternalAudience.PARTNERS and bool(roles_by_organisation(user))
