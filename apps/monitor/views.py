"""The monitor pages: edition index, edition page, one page per chapter, charts and downloads.

Who sees what is decided in `services` through `apps.partners.access`: VAR staff see every edition,
other logged-in users only published ones; anything else is a 404. Which figures they see is
`disclosure.audience_for`: VAR staff the internal ones, partners the protected ones (the same as the
public gets) unless the edition's disclosure policy opens the internal figures to them.
"""

from __future__ import annotations

import logging

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.monitor import aggregation, disclosure, jobs, services
from apps.monitor.cache import cached_report
from apps.monitor.charts import render_chart
from apps.partners import audit
from apps.partners.models import AuditEvent
from apps.submissions.models import Edition

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the application can reach its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


DOWNLOAD_LABELS = {
    "internal": _("Werkmap intern (alle cijfers)"),
    "public": _("Werkmap openbaar (kleine aantallen afgeschermd)"),
    "raw": _("Ruwe gegevens (xlsx)"),
    "csv": _("Ruwe gegevens (csv)"),
}


def _downloads(request: HttpRequest, edition: Edition) -> list[tuple[str, str]]:
    """(variant, label) of the files this user may download."""
    return [(v, label) for v, label in DOWNLOAD_LABELS.items() if services.may_export(request.user, edition, v)]


def _base_context(request: HttpRequest, edition: Edition) -> dict:
    return {
        "edition": edition,
        "chapters": services.CHAPTERS,
        "downloads": _downloads(request, edition),
        "is_published": edition.status == Edition.Status.PUBLISHED,
    }


@login_required
def monitor_index(request: HttpRequest) -> HttpResponse:
    editions = list(services.editions_for(request.user))
    completeness = aggregation.load_completeness([e.year for e in editions])
    rows = [(edition, completeness[edition.year]) for edition in editions]
    return render(request, "monitor/index.html", {"rows": rows})


@login_required
def monitor_edition(request: HttpRequest, year: int) -> HttpResponse:
    edition = services.edition_for(request.user, year)
    context = _base_context(request, edition)
    context["completeness"] = aggregation.load_completeness([year])[year]
    context["policy"] = disclosure.policy_for(edition)
    context["audience"] = disclosure.audience_for(request.user, edition)
    return render(request, "monitor/edition.html", context)


def _chapter_report(request: HttpRequest, year: int, chapter: str) -> tuple[Edition, disclosure.ProtectedReport]:
    """The chapter's report as this user may see it: internal for VAR staff, else protected figures."""
    edition = services.edition_for(request.user, year)
    if chapter not in services.CHAPTERS:
        raise Http404
    audience = disclosure.audience_for(request.user, edition)
    if audience == disclosure.INTERNAL and not services.sees_unpublished(request.user):
        # partners whom the policy shows internal figures still compare with published editions only
        report = cached_report(edition=edition, published_only=True, chapters=[chapter])
        return edition, disclosure.ProtectedReport(report=report, audience=audience, policy=disclosure.policy_for(edition))
    return edition, disclosure.protected_report(edition=edition, audience=audience, chapters=[chapter])


@login_required
def monitor_chapter(request: HttpRequest, year: int, chapter: str) -> HttpResponse:
    edition, protected = _chapter_report(request, year, chapter)
    report = protected.report
    context = _base_context(request, edition)
    context.update(
        {
            "report": report,
            "protection": protected,
            "chapter": report.chapter(chapter),
            "completeness": report.main_completeness,
            "earlier": [report.completeness[y] for y in report.years[1:]],
        }
    )
    return render(request, "monitor/chapter.html", context)


# The SVG is its own document: no script at all, only pygal's inline <style>.
@login_required
@csp({"default-src": [NONE], "style-src": [UNSAFE_INLINE], "frame-ancestors": [NONE], "base-uri": [NONE]})
def monitor_chart(request: HttpRequest, year: int, chapter: str, table: str) -> HttpResponse:
    __, protected = _chapter_report(request, year, chapter)
    found = protected.report.chapter(chapter).table(table)
    if found is None or not found.chart:
        raise Http404
    response = HttpResponse(render_chart(found), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


# -- downloads: built by a Celery task, kept until the data changes -----------------------------------


def _export_job(request: HttpRequest, year: int, variant: str) -> tuple[Edition, jobs.ExportJob]:
    """The edition and the job for its current data, or 404 when the user may not have this file."""
    edition = services.edition_for(request.user, year)
    if not services.may_export(request.user, edition, variant):
        raise Http404
    return edition, jobs.job_for(edition, variant)


def _status_payload(job: jobs.ExportJob, status: dict) -> dict:
    payload = {
        "state": status["state"],
        "done": status.get("done", 0),
        "total": status.get("total", 0),
        "percent": jobs.percent(status),
    }
    if status["state"] == jobs.READY:
        payload["download_url"] = reverse("monitor_export_download", args=[job.year, job.variant])
    return payload


@login_required
@require_POST
def monitor_export_build(request: HttpRequest, year: int, variant: str) -> HttpResponse:
    """Start building a file (nothing happens when it is there already) and show its status page."""
    __, job = _export_job(request, year, variant)
    try:
        jobs.start(job)
    except Exception:
        # Only with eager tasks (development, tests) does a failed build surface here; the status
        # page says it failed and offers to try again.
        logger.exception("Export %s %s failed", year, variant)
    return redirect("monitor_export_status", year=year, variant=variant)


@never_cache
@login_required
def monitor_export_status(request: HttpRequest, year: int, variant: str) -> HttpResponse:
    """Progress while the file is built (polled by export.js, or the Vernieuwen link), then the download."""
    edition, job = _export_job(request, year, variant)
    status = jobs.status(job)
    context = _base_context(request, edition)
    context.update(
        {
            "variant": variant,
            "label": DOWNLOAD_LABELS[variant],
            "status": _status_payload(job, status),
            "size": status.get("size"),
            "built_at": parse_datetime(status["built_at"]) if status.get("built_at") else None,
            "filename": job.filename,
            "error": status.get("error", ""),
        }
    )
    return render(request, "monitor/export.html", context)


@never_cache
@login_required
def monitor_export_progress(request: HttpRequest, year: int, variant: str) -> JsonResponse:
    """The status as JSON for export.js."""
    __, job = _export_job(request, year, variant)
    return JsonResponse(_status_payload(job, jobs.status(job)))


@never_cache
@login_required
def monitor_export_download(request: HttpRequest, year: int, variant: str) -> HttpResponse:
    """Serve the file built for the current data; every download is recorded in the audit log."""
    edition, job = _export_job(request, year, variant)
    stored = jobs.cached_file(job)
    if stored is None:
        return redirect("monitor_export_status", year=year, variant=variant)  # not built, or the data changed
    audit.record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        obj=edition,
        summary=f"Export {job.filename}",
        data={"year": year, "variant": variant, "bytes": stored.size, "built_at": stored.built_at, "key": job.key},
        request=request,
    )
    response = HttpResponse(stored.content, content_type=job.content_type)
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response
