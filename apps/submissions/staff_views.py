"""VAR staff pages: editions, the overview, the review page and the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.partners import access, audit
from apps.partners.audit_log import AuditFilterForm, csv_rows, filtered_events, object_urls, page_of
from apps.partners.models import AuditEvent
from apps.submissions import overview_tools, services
from apps.submissions.editions import revision_history
from apps.submissions.forms_staff import (
    EditionDatesForm,
    OverviewFilterForm,
    ReviewForm,
)
from apps.submissions.models import Edition, Submission
from apps.submissions.overview import overview_counts, overview_rows, render_rows
from apps.submissions.review import RemarksForm, remark_codes, review_context


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
    controls = overview_tools.OverviewControlsForm(request.GET or None)
    table = controls.cleaned_data if controls.is_valid() else {}
    selection = {
        "kind": kind, "subregion": subregion,
        "q": table.get("q", ""), "status": table.get("status", ""), "sort": table.get("sort", ""),
    }
    if request.GET.get("export") == "csv":
        # The download is the whole filtered overview, never one page of it.
        rows = overview_rows(edition, overview_tools.selected_submissions(edition=edition, **selection), whole=True)
        contacts = overview_tools.coordinators_by_organisation({r.organisation_id for r in rows})
        audit.record(
            action=AuditEvent.Action.EXPORT, actor=request.user, obj=edition,
            summary=f"Overzicht editie {edition.year} als CSV ({len(rows)} regels)", request=request,
        )
        response = HttpResponse(overview_tools.overview_csv(rows, contacts), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="overzicht-{edition.year}.csv"'
        return response
    page = overview_tools.overview_page(edition=edition, page=request.GET.get("pagina"), **selection)
    rows = page.object_list
    contacts = overview_tools.coordinators_by_organisation({r.organisation_id for r in rows})
    kept = request.GET.copy()  # the filters, sort and search the page links and the CSV link keep
    kept.pop("pagina", None)
    kept.pop("export", None)
    export = kept.copy()
    export["export"] = "csv"
    return render(
        request,
        "submissions/edition_overview.html",
        {
            "edition": edition,
            "rows": rows,
            "page": page,
            "query": kept.urlencode(),
            "filtered": any(selection.values()),
            "table_rows": render_rows(rows, contacts),
            "counts": overview_counts(edition=edition, kind=kind, subregion=subregion),
            "filters": filters,
            "controls": controls,
            "dates": dates,
            "revisions": revision_history(edition),
            "export_query": export.urlencode(),
        },
    )


@login_required
def review_submission(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_staff(request.user)
    submission = get_object_or_404(
        Submission.objects.select_related("edition", "organisation", "form", "approved_by"), pk=pk
    )
    form = ReviewForm(request.POST or None)
    remarks = RemarksForm(request.POST or None, codes=remark_codes(submission))
    status = 200
    if request.method == "POST" and remarks.is_valid() and form.is_valid():
        try:
            services.transition(
                submission_id=submission.pk,
                action=form.cleaned_data["action"],
                user=request.user,
                comment=form.cleaned_data["comment"],
                item_comments=remarks.item_comments(),
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
    # Whatever happened (a refusal, a colleague's step first), the remarks typed stay on the page.
    context["posted_items"] = {k[5:]: v for k, v in request.POST.items() if k.startswith("item-") and v}
    context["item_errors"] = remarks.errors_by_code() if remarks.is_bound else {}
    if remarks.is_bound and remarks.errors:
        form.add_error(None, _("Niet verstuurd: verbeter de gemarkeerde opmerkingen."))
    return render(request, "submissions/review.html", context, status=status)


@access.staff_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Filter the audit log by period, type, organisation and person; page by id; download as CSV."""
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    events = filtered_events(data)
    if request.GET.get("formaat") == "csv" and form.is_valid():
        audit.record(
            action=AuditEvent.Action.AUDIT_EXPORTED,
            actor=request.user,
            summary=_("Auditlog gedownload als CSV"),
            data={k: str(v) for k, v in data.items() if v not in (None, "") and k != "before"},
            request=request,
        )
        response = StreamingHttpResponse(csv_rows(events), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="auditlog-{timezone.localdate():%Y%m%d}.csv"'
        return response
    page = page_of(events, data.get("before"))
    rows = list(zip(page.events, object_urls(page.events)))
    query = request.GET.copy()
    query.pop("before", None)
    query.pop("formaat", None)
    other_filters = query.copy()  # for the links that pick one of the organisations a search fits
    other_filters.pop("organisation", None)
    return render(
        request,
        "submissions/audit_log.html",
        {
            "form": form, "events": page.events, "rows": rows, "older_than": page.older_than, "query": query.urlencode(),
            "organisation_query": other_filters.urlencode(),
        },
    )
