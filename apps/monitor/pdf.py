"""The whole report as a PDF, built with WeasyPrint from the same HTML as the report pages.

Page numbers, running headers and the contents' page numbers come from CSS (`@page`,
`string-set`, `target-counter`) in static/public/report-pdf.css; charts are inline SVG images, so
they stay vector graphics. Built by the export job (`services.build_export`, variants `report-pdf`
and `report-pdf-public`) in the background and cached until the figures or the texts change.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from apps.monitor import public, report, services
from apps.monitor.cache import cached_report
from apps.submissions.models import Edition

STYLESHEETS = ("public/report.css", "public/report-pdf.css")


def report_document(
    edition: Edition, *, public_variant: bool, chart_mode: str, fingerprint: str | None = None
) -> report.ReportDocument:
    """The document of the report: public figures through `public.public_report`, or all figures.

    `fingerprint`: the public figures' (`data_fingerprint` of variant "public"), when the caller has it.
    """
    if public_variant:
        found = public.public_report(edition, fingerprint=fingerprint)
        return report.assemble(
            edition,
            found.report,
            public=True,
            suppression=found.suppression,
            threshold=found.threshold,
            chart_mode=chart_mode,
        )
    whole = cached_report(edition=edition, published_only=False)
    return report.assemble(edition, whole, public=False, chart_mode=chart_mode)


def _stylesheet(name: str) -> str:
    return str(Path(settings.BASE_DIR) / "static" / name)


def build_report_pdf(*, year: int, public_variant: bool, progress: services.Progress | None = None) -> bytes:
    from weasyprint import CSS, HTML  # heavy import: only where a PDF is made

    def step(done: int) -> None:
        if progress is not None:
            progress(done, 3)

    edition = Edition.objects.get(year=year)
    document = report_document(edition, public_variant=public_variant, chart_mode="inline")
    step(1)
    html = render_to_string("monitor/report_pdf.html", {"document": document})
    step(2)
    content = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[CSS(filename=_stylesheet(name)) for name in STYLESHEETS]
    )
    step(3)
    return content
