"""VAR staff pages: editions, the overview, the review page and the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.partners import access, audit
from apps.partners.models import AuditEvent
from apps.submissions import overview_tools, services
from apps.submissions.forms_staff import (
    AuditSearchForm,
    EditionCreateForm,
    EditionDatesForm,
    OverviewFilterForm,
    ReviewForm,
)
from apps.submissions.models import Edition, Submission
from apps.submissions.overview import edition_overview, render_rows
from apps.submissions.review import review_context


@login_required
def edition_list(request: HttpRequest) -> HttpResponse:
    access.require_staff(request.user)
    form = EditionCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        if Edition.objects.filter(year=year).exists():
            form.add_error("year", _("Editie %(year)s bestaat al.") % {"year": year})
        else:
            try:
                services.create_edition(
                    year=year,
                    created_by=request.user,
                    opens_on=form.cleaned_data["opens_on"],
                    deadline=form.cleaned_data["deadline"],
                )
            except IntegrityError:
                form.add_error("year", _("Editie %(year)s bestaat al.") % {"year": year})
            else:
                messages.success(request, _("Editie %(year)s is aangemaakt (in voorbereiding).") % {"year": year})
                return redirect("edition_list")
    return render(request, "submissions/edition_list.html", {"editions": Edition.objects.all(), "form": form})


@login_required
@require_POST
def edition_open(request: HttpRequest, year: int) -> HttpResponse:
    access.require_staff(request.user)
    edition = get_object_or_404(Edition, year=year)
    try:
        created = services.open_edition(edition=edition, opened_by=request.user)
    except services.SubmissionLocked as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Editie %(year)s is geopend; %(n)s aanleveringen aangemaakt.") % {"year": year, "n": created})
    return redirect("edition_overview", year=year)


@login_required
@require_POST
def edition_change(request: HttpRequest, year: int, move: str) -> HttpResponse:
    access.require_staff(request.user)
    edition = get_object_or_404(Edition, year=year)
    if move not in {"close", "reopen", "publish"}:
        raise PermissionDenied
    try:
        services.change_edition(edition_id=edition.pk, move=move, user=request.user)
    except services.TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Editie %(year)s is bijgewerkt.") % {"year": year})
    return redirect("edition_overview", year=year)


@login_required
def edition_overview_view(request: HttpRequest, year: int) -> HttpResponse:
    access.require_staff(request.user)
    edition = get_object_or_404(Edition, year=year)
    filters = OverviewFilterForm(request.GET or None)
    kind = subregion = ""
    if filters.is_valid():
        kind, subregion = filters.cleaned_data["kind"], filters.cleaned_data["subregion"]
    dates = EditionDatesForm(
        request.POST or None, initial={"opens_on": edition.opens_on, "deadline": edition.deadline}
    )
    if request.method == "POST" and dates.is_valid():
        try:
            services.set_dates(edition_id=edition.pk, user=request.user, **dates.cleaned_data)
        except services.TransitionNotAllowed as error:
            dates.add_error("deadline", str(error))
        else:
            messages.success(request, _("De data zijn opgeslagen."))
            return redirect("edition_overview", year=year)
    rows, counts = edition_overview(edition=edition, kind=kind, subregion=subregion)
    controls = overview_tools.OverviewControlsForm(request.GET or None)
    if controls.is_valid():
        rows = overview_tools.filter_and_sort(rows, status=controls.cleaned_data["status"], sort=controls.cleaned_data["sort"])
    contacts = overview_tools.coordinators_by_organisation({r.organisation_id for r in rows})
    if request.GET.get("export") == "csv":
        audit.record(
            action=AuditEvent.Action.EXPORT, actor=request.user, obj=edition,
            summary=f"Overzicht editie {edition.year} als CSV ({len(rows)} regels)", request=request,
        )
        response = HttpResponse(overview_tools.overview_csv(rows, contacts), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="overzicht-{edition.year}.csv"'
        return response
    return render(
        request,
        "submissions/edition_overview.html",
        {
            "edition": edition,
            "rows": rows,
            "table_rows": render_rows(rows, contacts),
            "counts": counts,
            "filters": filters,
            "controls": controls,
            "dates": dates,
            "remindable": sorted(
                {(r.organisation, r.slug) for r in rows if r.state in {"not_started", "draft", "returned"}}
            ),
            "export_query": _with_export(request),
        },
    )


def _with_export(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["export"] = "csv"
    return query.urlencode()


@login_required
def review_submission(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_staff(request.user)
    submission = get_object_or_404(
        Submission.objects.select_related("edition", "organisation", "form", "approved_by"), pk=pk
    )
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        item_comments = [
            {"indicator": key[5:], "text": value.strip()}
            for key, value in request.POST.items()
            if key.startswith("item-") and value.strip()
        ]
        try:
            services.transition(
                submission_id=submission.pk,
                action=form.cleaned_data["action"],
                user=request.user,
                comment=form.cleaned_data["comment"],
                item_comments=item_comments,
            )
        except services.TransitionNotAllowed as error:
            step = services.TRANSITIONS.get(form.cleaned_data["action"])
            if step is not None and step.needs_comment and not form.cleaned_data["comment"].strip():
                # A missing reason is an input error: shown beside the field at the top, input kept.
                form.add_error("comment", str(error))
            else:
                form.add_error(None, str(error))
                status = 409  # the submission moved on meanwhile
        else:
            messages.success(request, _("Gelukt: de aanlevering is bijgewerkt en de organisatie krijgt bericht."))
            return redirect("edition_overview", year=submission.edition.year)
    context = review_context(submission, user=request.user)
    context["form"] = form
    context["posted_items"] = {k[5:]: v for k, v in request.POST.items() if k.startswith("item-")}
    return render(request, "submissions/review.html", context, status=status)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    access.require_staff(request.user)
    form = AuditSearchForm(request.GET or None)
    events = AuditEvent.objects.select_related("organisation")
    if form.is_valid() and (q := form.cleaned_data["q"]):
        events = events.filter(
            Q(actor_email__icontains=q) | Q(summary__icontains=q) | Q(action__icontains=q) | Q(organisation__name__icontains=q)
        )
    return render(request, "submissions/audit_log.html", {"form": form, "events": events[:200]})
