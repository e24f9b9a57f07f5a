"""The monitor pages: edition index, edition page, one page per chapter, charts and downloads.

Who sees what is decided in `services` through `apps.partners.access`: VAR staff see every edition,
other logged-in users only published ones; anything else is a 404.
"""

from __future__ import annotations

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from apps.monitor import aggregation, services
from apps.monitor.charts import render_chart
from apps.partners import audit
from apps.partners.models import AuditEvent
from apps.submissions.models import Edition


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
    return render(request, "monitor/edition.html", context)


def _chapter_report(request: HttpRequest, year: int, chapter: str) -> tuple[Edition, services.EditionReport]:
    edition = services.edition_for(request.user, year)
    if chapter not in services.CHAPTERS:
        raise Http404
    published_only = not services.sees_unpublished(request.user)
    return edition, services.build_report(edition=edition, published_only=published_only, chapters=[chapter])


@login_required
def monitor_chapter(request: HttpRequest, year: int, chapter: str) -> HttpResponse:
    edition, report = _chapter_report(request, year, chapter)
    context = _base_context(request, edition)
    context.update(
        {
            "report": report,
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
    __, report = _chapter_report(request, year, chapter)
    found = report.chapter(chapter).table(table)
    if found is None or not found.chart:
        raise Http404
    response = HttpResponse(render_chart(found), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


@never_cache
@login_required
def monitor_export(request: HttpRequest, year: int) -> HttpResponse:
    """Download a workbook or the raw data; every download is recorded in the audit log."""
    edition = services.edition_for(request.user, year)
    variant = request.GET.get("variant", "public")
    if not services.may_export(request.user, edition, variant):
        raise Http404
    content = services.build_export(year=year, variant=variant)
    filename = services.export_filename(year, variant)
    audit.record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        obj=edition,
        summary=f"Export {filename}",
        data={"year": year, "variant": variant, "bytes": len(content)},
        request=request,
    )
    response = HttpResponse(content, content_type=services.EXPORT_VARIANTS[variant][1])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
