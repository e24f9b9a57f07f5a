"""Start pages and the staff pages for organisations and memberships."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.partners import access, invitations, services
from apps.partners.directory import OrganisationFilterForm, organisation_page
from apps.partners.forms import InvitationForm, MembershipRoleForm
from apps.partners.models import AuditEvent, Membership, Organisation

# A page of pending invitations: at the start of a season hundreds are open at once.
INVITATIONS_PER_PAGE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the page that fits their role."""
    if access.is_var_staff(request.user):
        return redirect("staff_home")
    own = list(Organisation.objects.filter(pk__in=list(access.roles_by_organisation(request.user))))
    if len(own) == 1:
        return redirect("organisation_detail", slug=own[0].slug)
    return render(request, "partners/home.html", {"organisations": own})


@login_required
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = access.get_organisation_for_user(request.user, slug)
    role = access.role_in(request.user, organisation)
    # Imported here: the submissions app builds on partners, not the other way round.
    from apps.submissions.selectors import submissions_overview_for_organisation

    from apps.submissions.models import Edition, Submission

    submissions = submissions_overview_for_organisation(user=request.user, organisation=organisation)
    may_edit = access.can_edit_drafts(request.user, organisation)
    for s in submissions:
        # As the VAR's overview says it: a published edition's missing figures were never delivered.
        s.not_delivered = s.edition.status == Edition.Status.PUBLISHED and s.status != Submission.Status.APPROVED
        s.may_fill_in = may_edit and s.is_editable
    context = {
        "organisation": organisation,
        "role_label": dict(Membership._meta.get_field("role").choices).get(role, ""),
        "submissions": submissions,
    }
    return render(request, "partners/organisation_detail.html", context)


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """Where staff land: their work queue, each item a link to the page where they act on it."""
    access.require_staff(request.user)
    from apps.submissions.queue import staff_work_queue

    return render(request, "partners/staff_home.html", {"queue": staff_work_queue()})


@login_required
def staff_dashboard(request: HttpRequest) -> HttpResponse:
    """The organisations, a page at a time, with a search and filters that the page links keep."""
    access.require_staff(request.user)
    filters = OrganisationFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = organisation_page(
        q=chosen.get("q", ""),
        kind=chosen.get("kind", ""),
        subregion=chosen.get("subregion", ""),
        page=request.GET.get("pagina"),
    )
    kept = request.GET.copy()
    kept.pop("pagina", None)
    context = {
        "organisations": page.object_list,
        "page": page,
        "filters": filters,
        "filtered": any(chosen.values()),
        "query": kept.urlencode(),
    }
    return render(request, "partners/staff_dashboard.html", context)


@login_required
def staff_organisation(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_staff(request.user)
    organisation = get_object_or_404(
        Organisation.objects.prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("user").order_by("user__email"))
        ),
        slug=slug,
    )
    rows = [
        (m, MembershipRoleForm(instance=m, prefix=f"m{m.pk}", organisation=organisation))
        for m in organisation.memberships.all()
    ]
    events = AuditEvent.objects.filter(organisation=organisation).select_related("actor")[:20]
    return render(
        request,
        "partners/staff_organisation.html",
        {"organisation": organisation, "rows": rows, "events": events},
    )


@login_required
def invite(request: HttpRequest) -> HttpResponse:
    access.require_staff(request.user)
    initial = {}
    if slug := request.GET.get("organisatie"):
        initial["organisation"] = Organisation.objects.filter(slug=slug).first()
    form = InvitationForm(request.POST or None, initial=initial, organisation=initial.get("organisation"))
    if request.method == "POST" and form.is_valid():
        try:
            membership, outcome = invitations.invite_person(
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                organisation=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if outcome == invitations.Outcome.ADDED:
                messages.success(
                    request,
                    _(
                        "%(email)s had al een account en is toegevoegd aan %(org)s. Er ging een e-mail "
                        "dat dit is gebeurd; het wachtwoord blijft ongewijzigd."
                    )
                    % {"email": membership.user.email, "org": membership.organisation},
                )
            else:
                messages.success(
                    request,
                    _("%(email)s is uitgenodigd en ontvangt een e-mail om een wachtwoord in te stellen.")
                    % {"email": membership.user.email},
                )
            return redirect("staff_organisation", slug=membership.organisation.slug)
    return render(request, "partners/invite.html", {"form": form})


@login_required
@require_POST
def change_membership(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_staff(request.user)
    membership = get_object_or_404(Membership.objects.select_related("organisation", "user"), pk=pk)
    # Shape only (any role); the service says why a role does not fit the organisation.
    form = MembershipRoleForm(request.POST, instance=Membership(pk=membership.pk), prefix=f"m{membership.pk}")
    if form.is_valid():
        try:
            services.change_role(
                membership=membership, role=form.cleaned_data["role"], changed_by=request.user, request=request
            )
            messages.success(request, _("De rol van %(email)s is gewijzigd.") % {"email": membership.user.email})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Kies een geldige rol."))
    return redirect("staff_organisation", slug=membership.organisation.slug)


@login_required
def remove_membership(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation (what the person loses); POST removes."""
    access.require_staff(request.user)
    membership = get_object_or_404(Membership.objects.select_related("organisation", "user"), pk=pk)
    slug = membership.organisation.slug
    if request.method != "POST":
        return render(request, "partners/remove_membership.html", {"membership": membership})
    try:
        services.remove_membership(membership=membership, removed_by=request.user, request=request)
        messages.success(request, _("Het lidmaatschap is verwijderd."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("staff_organisation", slug=slug)


@login_required
def pending_invitations(request: HttpRequest) -> HttpResponse:
    """Invitations whose link has not been used yet, with their expiry and a way to resend."""
    access.require_staff(request.user)
    page = Paginator(invitations.pending_memberships(), INVITATIONS_PER_PAGE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "partners/pending_invitations.html",
        {"pending": invitations.pending_invitations(memberships=page.object_list), "page": page, "query": ""},
    )


@login_required
@require_POST
def resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_staff(request.user)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    try:
        invitations.resend_invitation(membership=membership, resent_by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Er is een nieuwe uitnodiging verstuurd aan %(email)s.") % {"email": membership.user.email})
    return redirect("pending_invitations")


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
