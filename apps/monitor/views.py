"""The monitor pages: edition index, edition page, one page per chapter, charts and downloads.

Who sees what is decided in `services` through `apps.partners.access`: VAR staff see every edition,
other logged-in users only published ones; anything else is a 404. Which figures they see is
`disclosure.audience_for`: VAR staff the internal ones, partners the protected ones (the same as the
public gets) unless the edition's disclosure policy opens the internal figures to them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import condition, require_POST

from apps.monitor import aggregation, disclosure, jobs, services
from apps.monitor.cache import (
    cached_chart,
    cached_fragment,
    cached_report,
    chart_key,
    data_fingerprint,
    fragment_key,
    store_fragment,
)
from apps.monitor.charts import render_chart
from apps.monitor.models import CachedFile
from apps.monitor.narratives import PAGE_PARAM, SEARCH_PARAM, narrative_page
from apps.partners import access, audit
from apps.partners.models import AuditEvent
from apps.submissions.editions import revision_history
from apps.submissions.models import Edition

logger = logging.getLogger(__name__)


DOWNLOAD_LABELS = {
    "internal": _("Werkmap intern (alle cijfers)"),
    "public": _("Werkmap openbaar (kleine aantallen afgeschermd)"),
    "raw": _("Ruwe gegevens (xlsx)"),
    "csv": _("Ruwe gegevens (csv)"),
    "report-pdf": _("Rapport als PDF (intern)"),
    "report-pdf-public": _("Rapport als PDF (openbaar)"),
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
    completeness = aggregation.load_completeness_counts([e.year for e in editions])
    rows = [(edition, completeness[edition.year]) for edition in editions]
    return render(request, "monitor/index.html", {"rows": rows})


@login_required
def monitor_edition(request: HttpRequest, year: int) -> HttpResponse:
    edition = services.edition_for(request.user, year)
    context = _base_context(request, edition)
    context["completeness"] = aggregation.load_completeness([year])[year]
    # Outside the VAR a changed small count shows as "< n", as the tables hide it.
    hide_below = None if services.sees_unpublished(request.user) else services.suppression_threshold(edition)
    context["revisions"] = revision_history(edition, hide_below=hide_below)
    context["policy"] = disclosure.policy_for(edition)
    context["audience"] = disclosure.audience_for(request.user, edition)
    context["may_change_policy"] = access.is_var_staff(request.user) and edition.status != Edition.Status.PUBLISHED
    return render(request, "monitor/edition.html", context)


@dataclass(frozen=True)
class _Audience:
    """Which figures a user gets of an edition, and the fingerprint of the report they come from."""

    edition: Edition
    audience: str
    published_only: bool
    fingerprint: str


def _audience(request: HttpRequest, year: int, chapter: str) -> _Audience:
    """The edition (404 when the user may not see it or the chapter does not exist) and its report's key.

    Kept on the request: the chart's ETag and the chart itself need it, and it costs five queries.
    """
    found = getattr(request, "_monitor_audience", None)
    if found is not None and found.edition.year == year:
        return found
    edition = services.edition_for(request.user, year)
    if chapter not in services.CHAPTERS:
        raise Http404
    audience = disclosure.audience_for(request.user, edition)
    # Staff see the internal report; partners compare with published editions only (protected
    # figures, or the internal ones of published editions where the policy opens them).
    published_only = not (audience == disclosure.INTERNAL and services.sees_unpublished(request.user))
    variant = "public" if published_only else "internal"
    fingerprint = data_fingerprint(edition, variant, translation.get_language() or "nl")
    found = _Audience(edition=edition, audience=audience, published_only=published_only, fingerprint=fingerprint)
    request._monitor_audience = found
    return found


def _chapter_report(request: HttpRequest, year: int, chapter: str) -> tuple[Edition, disclosure.ProtectedReport]:
    """The chapter's report as this user may see it: internal for VAR staff, else protected figures."""
    found = _audience(request, year, chapter)
    edition = found.edition
    if found.audience == disclosure.INTERNAL:
        # The fingerprint is known: `disclosure.protected_report` would compute it a second time.
        report = cached_report(
            edition=edition, published_only=found.published_only, chapters=[chapter], fingerprint=found.fingerprint
        )
        policy = disclosure.policy_for(edition)
        return edition, disclosure.ProtectedReport(report=report, audience=found.audience, policy=policy)
    protected = disclosure.protected_report(
        edition=edition, audience=found.audience, chapters=[chapter], fingerprint=found.fingerprint
    )
    return edition, protected


def _narrative_page_asked(request: HttpRequest) -> int | None:
    """The narratives' page number when the chapter may come from the cache: no search, no other parameter.

    Every search is rendered (as on the public site); a page number is kept only once it has been
    rendered as that very page (see monitor_chapter), so made-up numbers fill no cache.
    """
    if set(request.GET) - {PAGE_PARAM}:
        return None
    asked = request.GET.get(PAGE_PARAM, "1")
    return int(asked) if asked.isascii() and asked.isdigit() and 0 < len(asked) < 6 else None


@login_required
def monitor_chapter(request: HttpRequest, year: int, chapter: str) -> HttpResponse:
    found = _audience(request, year, chapter)  # who may see it: a 404 before anything cached is read
    edition = found.edition
    context = _base_context(request, edition) | {"chapter_title": services.CHAPTERS[chapter]}
    # The document part is the same for everyone who reads this report: kept under its fingerprint,
    # the audience and the page of narratives; the frame (navigation, downloads, CSRF) is per user.
    number = _narrative_page_asked(request)
    key = None
    if number is not None:
        key = fragment_key(
            name="chapter",
            fingerprint=found.fingerprint,
            parts=[found.audience, found.published_only, chapter, translation.get_language() or "nl", number],
        )
    document = cached_fragment(key=key) if key else None
    if document is None:
        document, shown = _chapter_document(request, year, chapter, context)
        if key and shown == number:
            store_fragment(key=key, html=document)
    context["document"] = mark_safe(document)
    return render(request, "monitor/chapter.html", context)


def _chapter_document(request: HttpRequest, year: int, chapter: str, frame: dict) -> tuple[str, int]:
    """The chapter's document part and the number of the narratives' page it shows."""
    __, protected = _chapter_report(request, year, chapter)
    report = protected.report
    narratives = narrative_page(
        report.chapter(chapter).narratives,  # a page of them: the gemeenten chapter has one per municipality
        page=request.GET.get(PAGE_PARAM),
        search=request.GET.get(SEARCH_PARAM),
    )
    context = {
        "edition": frame["edition"],
        "chapters": frame["chapters"],
        "is_published": frame["is_published"],
        "report": report,
        "protection": protected,
        "chapter": report.chapter(chapter),
        "completeness": report.main_completeness,
        "earlier": [report.completeness[y] for y in report.years[1:]],
        "narratives": narratives,
    }
    return render_to_string("monitor/_chapter_document.html", context), narratives.page.number


def _chart_etag(request: HttpRequest, year: int, chapter: str, table: str) -> str:
    """The report's fingerprint and the audience: a new approval gives a new ETag, a known one a 304."""
    found = _audience(request, year, chapter)
    return f"{found.fingerprint}-{found.audience}"


# The SVG is its own document: no script at all, only pygal's inline <style>. Rendered once per
# report (cached under its fingerprint) and revalidated with the ETag: a 304 reads no report.
@login_required
@cache_control(private=True, max_age=300)
@csp({"default-src": [NONE], "style-src": [UNSAFE_INLINE], "frame-ancestors": [NONE], "base-uri": [NONE]})
@condition(etag_func=_chart_etag)
def monitor_chart(request: HttpRequest, year: int, chapter: str, table: str) -> HttpResponse:
    found = _audience(request, year, chapter)

    def render_svg() -> bytes | None:
        __, protected = _chapter_report(request, year, chapter)
        match = protected.report.chapter(chapter).table(table)
        return render_chart(match) if match is not None and match.chart else None

    key = chart_key(fingerprint=found.fingerprint, audience=found.audience, chapter=chapter, table=table)
    svg = cached_chart(key=key, render=render_svg)
    if svg is None:
        raise Http404
    return HttpResponse(svg, content_type="image/svg+xml")


# -- downloads: built by a Celery task into storage, kept until the data changes ----------------------


def _export_edition(request: HttpRequest, year: int, variant: str) -> Edition:
    """The edition, or 404 when the user may not have this file."""
    edition = services.edition_for(request.user, year)
    if not services.may_export(request.user, edition, variant):
        raise Http404
    return edition


def _export_file(request: HttpRequest, year: int, variant: str, file_id: int) -> tuple[Edition, CachedFile]:
    """The edition and the built file (by id: no fingerprint), or 404."""
    edition = _export_edition(request, year, variant)
    cached = CachedFile.objects.filter(pk=file_id, kind=CachedFile.Kind.EXPORT, year=year, variant=variant).first()
    if cached is None:
        raise Http404
    return edition, cached


def _status_payload(cached: CachedFile | None, status: dict) -> dict:
    payload = {
        "state": status["state"],
        "done": status.get("done", 0),
        "total": status.get("total", 0),
        "percent": jobs.percent(status),
    }
    if status["state"] == jobs.READY and cached is not None:
        payload["download_url"] = reverse("monitor_export_download", args=[cached.year, cached.variant, cached.pk])
    return payload


def _render_status(request: HttpRequest, edition: Edition, variant: str, cached: CachedFile | None) -> HttpResponse:
    status = jobs.status(cached)
    context = _base_context(request, edition)
    context.update(
        {
            "variant": variant,
            "label": DOWNLOAD_LABELS.get(variant, variant),
            "file": cached,
            "status": _status_payload(cached, status),
            "filename": cached.filename if cached else services.export_filename(edition.year, variant),
            "error": status.get("error", ""),
        }
    )
    return render(request, "monitor/export.html", context)


@login_required
@require_POST
def monitor_export_build(request: HttpRequest, year: int, variant: str) -> HttpResponse:
    """Start building the file of the current data (nothing happens when it is there) and show its page."""
    edition = _export_edition(request, year, variant)
    try:
        cached = jobs.start(edition=edition, variant=variant)
    except Exception:
        # Only with eager tasks (development, tests) does a failed build surface here; the status
        # page says it failed and offers to try again.
        logger.exception("Export %s %s failed", year, variant)
        cached = jobs.current_file(edition, variant)
        if cached is None:
            return redirect("monitor_export_status", year=year, variant=variant)
    return redirect("monitor_export_file", year=year, variant=variant, file_id=cached.pk)


@never_cache
@login_required
def monitor_export_status(request: HttpRequest, year: int, variant: str) -> HttpResponse:
    """The file of the current data (one fingerprint): its state and link, else the button that builds it."""
    edition = _export_edition(request, year, variant)
    return _render_status(request, edition, variant, jobs.current_file(edition, variant))


@never_cache
@login_required
def monitor_export_file(request: HttpRequest, year: int, variant: str, file_id: int) -> HttpResponse:
    """Progress while the file is built (polled by export.js, or the Vernieuwen link), then the download link."""
    edition, cached = _export_file(request, year, variant, file_id)
    return _render_status(request, edition, variant, cached)


@never_cache
@login_required
def monitor_export_progress(request: HttpRequest, year: int, variant: str, file_id: int) -> JsonResponse:
    """The status as JSON for export.js: the row and the task's state, no fingerprint."""
    __, cached = _export_file(request, year, variant, file_id)
    return JsonResponse(_status_payload(cached, jobs.status(cached)))


@never_cache
@login_required
def monitor_export_download(request: HttpRequest, year: int, variant: str, file_id: int) -> HttpResponse:
    """Stream the file from storage, if the data is still what it was built from; recorded in the audit log."""
    edition, cached = _export_file(request, year, variant, file_id)
    if not cached.ready or not jobs.is_current(cached):
        # Not built (yet), or the figures changed since: the page of the current data.
        return redirect("monitor_export_status", year=year, variant=variant)
    audit.record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        obj=edition,
        summary=f"Export {cached.filename}",
        data={
            "year": year,
            "variant": variant,
            "bytes": cached.size,
            "built_at": cached.built_at.isoformat() if cached.built_at else None,
            "key": cached.fingerprint,
            "file": cached.pk,
        },
        request=request,
    )
    jobs.touch(cached)
    response = FileResponse(cached.file.open("rb"), as_attachment=True, filename=cached.filename, content_type=cached.content_type)
    return response
