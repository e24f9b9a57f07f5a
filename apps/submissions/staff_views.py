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
from apps.submissions import services
from apps.submissions.editions import publication_check, revision_history
from apps.submissions.forms_staff import (
    EditionDatesForm,
    OverviewFilterForm,
    ReviewForm,
)
from apps.submissions.models import Edition, Submission
from apps.submissions.overview import edition_overview, render_rows
from apps.submissions.review import review_context


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
    return render(
        request,
        "submissions/edition_overview.html",
        {
            "edition": edition,
            "rows": rows,
            "table_rows": render_rows(rows),
            "counts": counts,
            "filters": filters,
            "dates": dates,
            "check": publication_check(edition),
            "revisions": revision_history(edition),
        },
    )


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
            form.add_error("comment", str(error))
            status = 409
        else:
            messages.success(request, _("Gelukt: de aanlevering is bijgewerkt en de organisatie krijgt bericht."))
            return redirect("edition_overview", year=submission.edition.year)
    context = review_context(submission, user=request.user)
    context["form"] = form
    context["posted_items"] = {k[5:]: v for k, v in request.POST.items() if k.startswith("item-")}
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
    return render(
        request,
        "submissions/audit_log.html",
        {"form": form, "events": page.events, "rows": rows, "older_than": page.older_than, "query": query.urlencode()},
    )
