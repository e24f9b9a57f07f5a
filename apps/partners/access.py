"""The one place that decides which organisations (and their objects) a user may see and change.

Every view and query goes through these helpers; a stranger gets 404, never a hint that the
object exists. Views declare what they need with one call at the top (`require_staff`, a
`*_for(user)` queryset) or the `staff_required` decorator; services ask the same functions again
before they write, so a view that forgets its check still cannot change anything.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404

from apps.partners.models import STAFF_ROLES, Membership, Organisation, Role, User

if TYPE_CHECKING:  # the submissions and monitor apps build on partners, not the other way round
    from apps.submissions.models import Edition, Submission

_CACHE_ATTR = "_mhm_roles"


def _memberships(user: User) -> tuple[dict[int, str], frozenset[int]]:
    """({organisation id: role}, ids of VAR organisations among them), cached for the request."""
    if not user.is_authenticated or not user.is_active:
        return {}, frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = list(Membership.objects.filter(user=user).values_list("organisation_id", "role", "organisation__is_var"))
        cached = ({org: role for org, role, __ in rows}, frozenset(org for org, __, is_var in rows if is_var))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def roles_by_organisation(user: User) -> dict[int, str]:
    """Return {organisation id: role} for the user, cached on the user object for the request."""
    return _memberships(user)[0]


def forget_roles(user: User) -> None:
    """Drop the cached roles after memberships changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _staff_roles(user: User) -> set[str]:
    """Staff roles the user holds in the VAR; a staff role anywhere else counts for nothing."""
    roles, var_ids = _memberships(user)
    return {role for org, role in roles.items() if org in var_ids and role in STAFF_ROLES}


def is_var_staff(user: User) -> bool:
    """VAR staff review submissions and manage editions; administrators are staff too."""
    return bool(_staff_roles(user))


def is_administrator(user: User) -> bool:
    return Role.ADMINISTRATOR in _staff_roles(user)


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


def staff_required(view: Callable) -> Callable:
    """Decorator for staff pages: log in first, then 404 for anyone but VAR staff."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        require_staff(request.user)
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def needs_two_factor(user: User) -> bool:
    """Staff and administrators must have a TOTP authenticator before they do anything else."""
    from allauth.mfa.models import Authenticator

    if not user.is_authenticated or not is_var_staff(user):
        return False
    if settings.DEBUG and settings.MFA_EXEMPT_DEMO_ACCOUNTS_IN_DEBUG and user.email.endswith("@demo.invalid"):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# -- submissions ------------------------------------------------------------------------------------


def submissions_for(user: User) -> QuerySet[Submission]:
    """Submissions the user may see: all for VAR staff, their organisations' for others."""
    from apps.submissions.models import Submission

    qs = Submission.objects.select_related("edition", "form", "organisation")
    if is_var_staff(user):
        return qs
    return qs.filter(organisation_id__in=list(roles_by_organisation(user)))


def submitted_by(submission: Submission) -> int | None:
    """The id of whoever made the latest submit step of this submission."""
    from apps.submissions.models import SubmissionEvent

    return (
        SubmissionEvent.objects.filter(submission=submission, action=SubmissionEvent.Action.SUBMIT)
        .order_by("-at", "-pk")
        .values_list("actor_id", flat=True)
        .first()
    )


def may_act(user: User, submission: Submission, action: str) -> bool:
    """Whether the user holds the role for this workflow step (the state is checked by the service).

    Four eyes: whoever submitted a submission (in practice VAR staff on the VAR's own forms) never
    approves it too.
    """
    from apps.submissions.services import TRANSITIONS, Action

    transition = TRANSITIONS[action]
    if not transition.by_staff:
        return can_submit(user, submission.organisation)
    if not is_var_staff(user):
        return False
    return not (action == Action.APPROVE and submitted_by(submission) == user.pk)


def allowed_actions(user: User, submission: Submission) -> list[str]:
    """The actions this user can take now; used to show buttons, never to authorise."""
    from apps.submissions.models import Edition
    from apps.submissions.services import PARTNER_OPEN_ONLY, TRANSITIONS

    if submission.is_frozen:
        return []
    return [
        action
        for action, t in TRANSITIONS.items()
        if submission.status in t.sources
        and may_act(user, submission, action)
        and not (action in PARTNER_OPEN_ONLY and submission.edition.status == Edition.Status.CLOSED)
    ]


def may_see_timeline(user: User, submission: Submission) -> bool:
    """The history (who changed which figure) is for VAR staff and those who submit for the partner."""
    return is_var_staff(user) or can_submit(user, submission.organisation)


# -- editions and exports ---------------------------------------------------------------------------


def editions_for(user: User) -> QuerySet[Edition]:
    """VAR staff see every edition; everyone else only published ones."""
    from apps.submissions.models import Edition

    qs = Edition.objects.order_by("-year")
    if is_var_staff(user):
        return qs
    return qs.filter(status=Edition.Status.PUBLISHED)


def may_export(user: User, edition: Edition, variant: str) -> bool:
    """Staff download every variant; others only the public files (workbook, PDF) of a published edition."""
    from apps.monitor.services import EXPORT_VARIANTS, PUBLIC_VARIANTS
    from apps.submissions.models import Edition

    if variant not in EXPORT_VARIANTS:
        return False
    if is_var_staff(user):
        return True
    return variant in PUBLIC_VARIANTS and edition.status == Edition.Status.PUBLISHED
def sees_internal_figures(user: User, edition) -> bool:
    """Whether the user sees an edition's monitor unprotected (small counts of persons shown).

    VAR staff always; other logged-in members of an organisation only when the edition's disclosure
    policy opens the internal figures to partners; everyone else (anonymous, the public) never.
    """
    from apps.submissions.models import Edition  # the submissions app builds on this one

    if is_var_staff(user):
        return True
    return edition.internal_audience == Edition.InternalAudience.PARTNERS and bool(roles_by_organisation(user))
