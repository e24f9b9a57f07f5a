"""The public site: published editions, no account needed.

Every figure comes from `public.public_report` (disclosure-controlled); an edition that is not
published is a 404. Pages carry an ETag (the fingerprint of the figures and texts) and a
Last-Modified, so a browser or proxy revalidates instead of downloading again.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import functools
import logging
from dataclasses import dataclass

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import condition, require_GET

from apps.monitor import charts, jobs, pdf, public, report, services
from apps.monitor.aggregation import Cell
from apps.monitor.cache import (
    cached_chart,
    cached_page,
    chart_key,
    data_fingerprint,
    document_fingerprint,
    page_key,
    store_page,
)
from apps.monitor.models import EditorialChapter
from apps.monitor.narratives import PAGE_PARAM, SEARCH_PARAM, narrative_page
from apps.monitor.tables import Table
from apps.partners.spreadsheets import csv_safe
from apps.submissions.models import Edition, Submission

logger = logging.getLogger(__name__)

PDF_VARIANT = "report-pdf-public"
WORKBOOK_VARIANT = "public"
MAX_AGE = 300  # seconds a browser may use a page before it revalidates (with the ETag)


# -- caching -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Published:
    edition: Edition
    data: str  # the public figures' fingerprint: the key of the cached protected report and charts
    etag: str  # the figures and the public texts


def _published(request: HttpRequest, year: int) -> _Published | None:
    """The published edition and its keys, once per request (the ETag, Last-Modified and the view need them)."""
    found = getattr(request, "_public_edition", None)
    if found is not None and found.edition.year == year:
        return found
    edition = Edition.objects.filter(year=year, status=Edition.Status.PUBLISHED).first()
    if edition is None:
        return None
    data = data_fingerprint(edition, "public", translation.get_language() or "nl")
    found = _Published(edition=edition, data=data, etag=document_fingerprint(edition, data=data))
    request._public_edition = found
    return found


def _edition(request: HttpRequest, year: int) -> _Published:
    found = _published(request, year)
    if found is None:
        raise Http404
    return found


def _etag(request: HttpRequest, year: int, *args, **kwargs) -> str | None:
    found = _published(request, year)
    return found.etag if found is not None else None


def _last_modified(request: HttpRequest, year: int, *args, **kwargs) -> datetime.datetime | None:
    found = _published(request, year)
    if found is None:
        return None
    edition = found.edition
    years = services.comparison_years(edition, published_only=True)
    moments = [
        edition.published_at,
        EditorialChapter.objects.filter(edition=edition).aggregate(m=Max("updated_at"))["m"],
        Submission.objects.filter(edition__year__in=years).aggregate(m=Max("updated_at"))["m"],
    ]
    found_moments = [m for m in moments if m is not None]
    return max(found_moments) if found_moments else None


cacheable = condition(etag_func=_etag, last_modified_func=_last_modified)


def cached_html(view):
    """Serve the page's HTML (or JSON) from the cache (the same for every visitor) until its ETag changes.

    The whole report is ~900 kB of HTML at 1,000 organisations: rendering it takes longer than
    everything else. Only the plain page and its `?pagina=` pages are kept, not every search.
    """

    @functools.wraps(view)
    def inner(request: HttpRequest, year: int, *args, **kwargs) -> HttpResponse:
        found = _published(request, year)
        if found is None or set(request.GET) - {PAGE_PARAM}:
            return view(request, year, *args, **kwargs)
        published = list(Edition.objects.filter(status=Edition.Status.PUBLISHED).values_list("year", flat=True))
        language = translation.get_language() or "nl"
        key = page_key(etag=found.etag, language=language, path=request.get_full_path(), published=published)
        stored = cached_page(key=key)
        if stored is not None:
            body, content_type = stored
            return _public_headers(HttpResponse(body, content_type=content_type))
        response = view(request, year, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            store_page(key=key, body=response.content, content_type=response["Content-Type"])
        return response

    return inner


def _public_headers(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


# -- the document ------------------------------------------------------------------------------------


def _document(found: _Published) -> report.ReportDocument:
    # The same document as the public PDF, with the charts as links to the public chart images.
    return pdf.report_document(found.edition, public_variant=True, chart_mode="public", fingerprint=found.data)


def _context(edition: Edition, document: report.ReportDocument) -> dict:
    return {
        "edition": edition,
        "document": document,
        "editions": list(Edition.objects.filter(status=Edition.Status.PUBLISHED).order_by("-year")),
    }


@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    editions = list(Edition.objects.filter(status=Edition.Status.PUBLISHED).order_by("-year"))
    return _public_headers(render(request, "public/index.html", {"editions": editions}))


@require_GET
@cacheable
@cached_html
def public_edition(request: HttpRequest, year: int) -> HttpResponse:
    """The cover, the contents (a page per chapter) and the downloads."""
    found = _edition(request, year)
    edition, document = found.edition, _document(found)
    return _public_headers(render(request, "public/edition.html", _context(edition, document)))


@require_GET
@cacheable
@cached_html
def public_whole(request: HttpRequest, year: int) -> HttpResponse:
    """The whole report on one page (to read on or print)."""
    found = _edition(request, year)
    edition, document = found.edition, _document(found)
    return _public_headers(render(request, "public/whole.html", _context(edition, document)))


@require_GET
@cacheable
@cached_html
def public_chapter(request: HttpRequest, year: int, anchor: str) -> HttpResponse:
    found = _edition(request, year)
    edition, document = found.edition, _document(found)
    block = document.block(anchor)
    if block is None or block.level != 2:
        raise Http404
    previous, following = document.neighbours(anchor)
    context = _context(edition, document) | {"part": block, "previous": previous, "next": following}
    if block.chapter is not None:
        # A page of the partners' narratives (the gemeenten chapter has one per municipality);
        # the whole report and the PDF keep them all.
        context["narrative_page"] = narrative_page(
            block.chapter.narratives, page=request.GET.get(PAGE_PARAM), search=request.GET.get(SEARCH_PARAM)
        )
    return _public_headers(render(request, "public/chapter.html", context))


# The SVG is its own document: no script at all, only pygal's inline <style>.
@require_GET
@cacheable
@csp({"default-src": [NONE], "style-src": [UNSAFE_INLINE], "frame-ancestors": [NONE], "base-uri": [NONE]})
def public_chart(request: HttpRequest, year: int, chapter: str, table: str) -> HttpResponse:
    published = _edition(request, year)
    if chapter not in services.CHAPTERS:
        raise Http404

    def render_svg() -> bytes | None:
        found = public.public_report(published.edition, fingerprint=published.data)
        match = found.report.chapter(chapter).table(table)
        hidden = frozenset(found.suppression.hidden)
        if match is None or not charts.drawable(match, hidden):
            return None
        return charts.render_chart(match, hidden)

    # Rendered once per published report (the key is its fingerprint), then read from the cache.
    key = chart_key(fingerprint=published.data, audience="public", chapter=chapter, table=table)
    svg = cached_chart(key=key, render=render_svg)
    if svg is None:
        raise Http404
    return _public_headers(HttpResponse(svg, content_type="image/svg+xml"))


# -- files: the PDF and the public workbook through the export jobs ------------------------------------


@require_GET
def public_download(request: HttpRequest, year: int, variant: str) -> HttpResponse:
    """The public PDF or workbook: served when built, else built in the background (eager in tests)."""
    if variant not in (PDF_VARIANT, WORKBOOK_VARIANT):
        raise Http404
    edition = public.published_edition(year)
    stored = jobs.current_file(edition, variant)
    if stored is None or not stored.ready:
        try:
            stored = jobs.start(edition=edition, variant=variant)
        except Exception:  # only with eager tasks; the page below says it failed
            logger.exception("Public file %s %s failed", year, variant)
            stored = jobs.current_file(edition, variant)
    if stored is None or not stored.ready:
        status = jobs.status(stored)
        response = render(
            request,
            "public/download_wait.html",
            {"edition": edition, "status": status, "percent": jobs.percent(status), "variant": variant},
            status=202 if status["state"] in jobs.BUSY else 503,
        )
        response["Cache-Control"] = "no-store"
        response["Refresh"] = "5"
        return response
    # Public documents: a download by a visitor without an account is not an audit event.
    jobs.touch(stored)
    response = FileResponse(stored.file.open("rb"), content_type=stored.content_type, as_attachment=True, filename=stored.filename)
    response["ETag"] = f'"{stored.fingerprint}"'
    return _public_headers(response)


# -- open data ---------------------------------------------------------------------------------------


MARKERS = {
    "": "een volledig, bekend aantal",
    "≥": "onvolledig: niet alle goedgekeurde organisaties leverden dit cijfer; het werkelijke aantal is minstens zo groot",
    "*": "berekend: het totaal is niet aangeleverd en is de som van de delen",
    ".": "onbekend of niet aangeleverd (geen 0)",
    "n.v.t.": "niet gevraagd in die editie",
    "x": "afgeschermd zodat een klein aantal niet uit de totalen kan worden teruggerekend",
}


def _marker(cell: Cell, symbol: str | None) -> str:
    if symbol is not None:
        return symbol
    if not cell.asked:
        return "n.v.t."
    if cell.number is None:
        return "."
    return "≥" if cell.incomplete else "*" if cell.derived else ""


def _tables(document: report.ReportDocument) -> list[tuple[str, Table]]:
    return [(chapter.code, table) for chapter in document.report.chapters for table in chapter.all_tables]


def _description(document: report.ReportDocument, chapter: str, table: Table, revision: str) -> dict:
    edition = document.edition
    is_area = not table.years or len(table.columns) != len(table.years)
    threshold = document.threshold
    return {
        "id": f"{chapter}.{table.code}",
        "title": table.title,
        "description": table.help_text,
        "chapter": str(services.CHAPTERS[chapter]),
        "edition": edition.year,
        "published_at": edition.published_at.isoformat() if edition.published_at else None,
        "revision": revision,
        "catalogue": {"version": edition.catalogue_version, "revision": edition.catalogue_revision},
        "dimensions": [
            {"name": "rij", "label": table.row_header or "Categorie", "values": [row.label for row in table.rows]},
            {
                "name": "kolom",
                "label": "Gebied" if is_area else "Jaar",
                "values": table.columns,
            },
        ],
        "unit": "aantal",
        "markers": MARKERS | {f"<{threshold}": f"klein aantal (1 tot {threshold}), afgeschermd ter bescherming van personen"},
        "suppression": {
            "threshold": threshold,
            "rule": (
                f"Aantallen van 1 tot {threshold} worden getoond als '<{threshold}'. Daarna wordt, over alle tabellen van "
                "de editie samen, in elke zichtbare optelling (een kolom met haar totaal, een uitsplitsing onder haar "
                "totaal, gebieden onder het regiototaal) met precies één afgeschermde cel ook de kleinste andere cel "
                "afgeschermd ('x'), tot niets meer verandert. Nullen en onbekende cellen worden niet afgeschermd."
            ),
        },
        "footnotes": [{"number": note.number, "text": note.text} for note in table.notes],
        "csv": reverse("public_open_data_file", args=[edition.year, chapter, table.code, "csv"]),
        "json": reverse("public_open_data_file", args=[edition.year, chapter, table.code, "json"]),
    }


def _cells(document: report.ReportDocument, table: Table) -> list[dict]:
    cells = []
    for row in table.rows:
        for index, column in enumerate(table.columns):
            cell, symbol = row.cells[index], document.symbol(row.ids[index])
            cells.append(
                {
                    "rij": row.label,
                    "kolom": column,
                    "waarde": None if symbol is not None else cell.number,
                    "teken": _marker(cell, symbol),
                    "voetnoten": row.notes + row.cell_notes[index],
                    "totaal": row.is_total,
                }
            )
    return cells


def _revision(request: HttpRequest, year: int) -> str:
    return _edition(request, year).etag[:16]


@require_GET
@cacheable
@cached_html
def public_open_data(request: HttpRequest, year: int) -> HttpResponse:
    found = _edition(request, year)
    edition, document = found.edition, _document(found)
    revision = _revision(request, year)
    tables = [_description(document, chapter, table, revision) for chapter, table in _tables(document)]
    return _public_headers(render(request, "public/open_data.html", _context(edition, document) | {"tables": tables}))


@require_GET
@cacheable
@cached_html
def public_open_data_index(request: HttpRequest, year: int) -> HttpResponse:
    """Every public table of the edition, described and with its cells, in one JSON file.

    Kept like the pages (`cached_html`, under the ETag): `generated_at` is when this revision's file
    was made, the same for every download until the figures or texts change.
    """
    found = _edition(request, year)
    edition, document = found.edition, _document(found)
    revision = _revision(request, year)
    payload = {
        "title": f"Mensenhandelmonitor {year}",
        "publisher": "Veiligheidsalliantie regio Rotterdam (VAR)",
        "edition": year,
        "revision": revision,
        "generated_at": timezone.now().isoformat(),
        "tables": [
            _description(document, chapter, table, revision) | {"cells": _cells(document, table)}
            for chapter, table in _tables(document)
        ],
    }
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False, "indent": 1})
    return _public_headers(response)


@require_GET
@cacheable
def public_open_data_file(request: HttpRequest, year: int, chapter: str, table: str, ext: str) -> HttpResponse:
    found = _edition(request, year)
    edition, document = found.edition, _document(found)
    match = next((t for c, t in _tables(document) if c == chapter and t.code == table), None)
    if match is None or ext not in ("csv", "json"):
        raise Http404
    name = f"mensenhandelmonitor-{year}-{chapter}-{table}"
    if ext == "json":
        payload = _description(document, chapter, match, _revision(request, year)) | {"cells": _cells(document, match)}
        response = HttpResponse(
            json.dumps(payload, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["editie", "tabel", "rij", "kolom", "waarde", "teken", "voetnoten"])
        for cell in _cells(document, match):
            writer.writerow(
                [
                    year,
                    csv_safe(match.title),
                    csv_safe(cell["rij"]),
                    cell["kolom"],
                    "" if cell["waarde"] is None else cell["waarde"],
                    cell["teken"],
                    " ".join(f"({n})" for n in cell["voetnoten"]),
                ]
            )
        response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return _public_headers(response)


