"""The monitor of an edition: who may see which edition, and its chapters as the seed prints them.

Everything here reads; the numbers come from `aggregation` (GROUP BY in the database) and are laid
out by `tables`. A report costs a fixed number of queries, whatever the number of organisations.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.monitor import aggregation
from apps.monitor.aggregation import Completeness, EditionData, Narrative
from apps.monitor.suppression import Line, Suppression
from apps.monitor.tables import KEY_FIGURES, Notes, Table, TableBuilder
from apps.partners import access
from apps.partners.models import User
from apps.submissions.models import Edition, Indicator, Rule

# The chapters of the monitor, in the order it prints them (Indicator.chapter values).
CHAPTERS: dict[str, str] = {
    "landelijk": _("Landelijk beeld"),
    "riec": _("RIEC Rotterdam"),
    "politie": _("Politiecijfers"),
    "essm_meldpunt": _("ESSM – Meld- en adviespunt mensenhandel"),
    "essm_hulpverlening": _("ESSM – Cliënten ambulante hulpverlening"),
    "opvang": _("Opvang slachtoffers mensenhandel"),
    "gemeenten": _("Cijfers gemeenten"),
}
SHEET_TITLES: dict[str, str] = {
    "landelijk": "Landelijk",
    "riec": "RIEC",
    "politie": "Politie",
    "essm_meldpunt": "ESSM meldpunt",
    "essm_hulpverlening": "ESSM hulpverlening",
    "opvang": "Opvang",
    "gemeenten": "Gemeenten",
}
# The tables that get a native chart in the workbook.
MAIN_TABLES = ("pol_informatieve_gesprekken", "pol_aangiftes", "essm_clienten_categorie")
COMPARISON_EDITIONS = 3
Progress = Callable[[int, int], None]  # progress(done, total) while an export is built


# -- who sees what -----------------------------------------------------------------------------------


# Who sees which edition and export is decided in access.py; the names stay for existing callers.
editions_for = access.editions_for


def edition_for(user: User, year: int) -> Edition:
    """The edition, or 404 when it does not exist or the user may not see it."""
    edition = editions_for(user).filter(year=year).first()
    if edition is None:
        raise Http404
    return edition


def sees_unpublished(user: User) -> bool:
    return access.is_var_staff(user)


def comparison_years(edition: Edition, *, published_only: bool) -> list[int]:
    """The edition and the editions before it, newest first: the last three side by side."""
    qs = Edition.objects.filter(year__lt=edition.year)
    if published_only:
        qs = qs.filter(status=Edition.Status.PUBLISHED)
    earlier = list(qs.order_by("-year").values_list("year", flat=True)[: COMPARISON_EDITIONS - 1])
    return [edition.year, *earlier]


# -- reports -----------------------------------------------------------------------------------------


@dataclass
class ChapterReport:
    code: str
    title: str
    tables: list[Table] = field(default_factory=list)
    breakdowns: list[Table] = field(default_factory=list)
    narratives: list[Narrative] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)  # titles of figures nobody delivered

    @property
    def all_tables(self) -> list[Table]:
        return self.tables + self.breakdowns

    def table(self, code: str) -> Table | None:
        return next((t for t in self.all_tables if t.code == code), None)


@dataclass
class EditionReport:
    edition: Edition
    years: list[int]
    chapters: list[ChapterReport]
    completeness: dict[int, Completeness]
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def main_completeness(self) -> Completeness:
        return self.completeness[self.edition.year]

    def chapter(self, code: str) -> ChapterReport:
        return next(c for c in self.chapters if c.code == code)

    def suppression(self, threshold: int | None = None) -> Suppression:
        """The audited disclosure control of the whole report (see `apps.monitor.disclosure`).

        `threshold` is only the symbol's number; the edition's policy decides what is hidden.
        Raises `disclosure.DisclosureError` when the audit fails: nothing may then be served.
        """
        from apps.monitor import disclosure  # disclosure builds on this module

        return disclosure.suppression_for(self)


def suppression_threshold(edition: Edition | None = None) -> int:
    """The edition's disclosure threshold (policy), else the setting SUPPRESSION_THRESHOLD (5)."""
    if edition is not None and edition.disclosure_threshold:
        return edition.disclosure_threshold
    return int(getattr(settings, "SUPPRESSION_THRESHOLD", 5))


def _equal_total_lines(builder: TableBuilder, tables: dict[str, Table], rules: list[tuple[str, dict]]) -> None:
    """A table without a total whose sum must equal another indicator's total (rule equal_total)."""
    for code, params in rules:
        table, other = tables.get(code), builder.main.grids.get(params.get("other", ""))
        if table is None or other is None or other.grand_total_key() is None:
            continue
        if any(row.is_total for row in table.rows):
            continue
        key = other.grand_total_key()
        for index, year in enumerate(table.years):
            parts = tuple(row.ids[index] for row in table.part_rows)
            table.lines.append(Line(parts, (year, other.indicator.code, key[0], key[1], "")))


def _breakdowns(builder: TableBuilder, chapter: ChapterReport, indicators: dict[str, Indicator]) -> None:
    """Per subregion (municipal forms) or per kind (forms for several kinds) for the main year."""
    by_field: dict[str, list[str]] = {}
    for table in chapter.tables:
        indicator = indicators.get(table.code)
        if indicator is None or not builder.main.has_approved(table.code):
            continue  # the key figures, or nothing approved yet
        form = indicator.section.form
        if form.organisation_slugs:
            continue
        if "gemeente" in form.organisation_kinds:
            by_field.setdefault("subregion", []).append(table.code)
        elif len(form.organisation_kinds) > 1:
            by_field.setdefault("kind", []).append(table.code)
    for area_field, codes in by_field.items():
        cells = aggregation.load_area_breakdown(builder.main, codes, area_field)
        areas = [(a, label) for a, label in aggregation.area_choices(area_field) if a in cells]
        for table in chapter.tables:
            if table.code in codes:
                chapter.breakdowns.append(builder.breakdown(table, indicators[table.code], areas, cells, area_field))


def build_report(*, edition: Edition, published_only: bool, chapters: list[str] | None = None) -> EditionReport:
    """The tables, breakdowns and narratives of the edition's chapters, with completeness."""
    years = comparison_years(edition, published_only=published_only)
    data: dict[int, EditionData] = aggregation.load_editions(years)
    builder = TableBuilder(data, edition.year, years, aggregation.load_comments(years))
    narratives = aggregation.load_narratives(edition.year)
    rules = list(
        Rule.objects.filter(indicator__edition=edition, kind=Rule.Kind.EQUAL_TOTAL).values_list("indicator__code", "params")
    )
    indicators = builder.main.indicators
    reports = []
    for code in chapters or list(CHAPTERS):
        chapter = ChapterReport(code=code, title=str(CHAPTERS[code]))
        notes = Notes()
        chapter_indicators = [i for i in indicators.values() if i.chapter == code and i.kind != Indicator.Kind.TEXT]
        singles = [i for i in chapter_indicators if not i.row_dimension_id and not i.col_dimension_id]
        for indicator in chapter_indicators:
            if indicator in singles:
                if indicator is singles[0]:
                    chapter.tables.append(builder.key_figures(singles, notes))
                continue
            chapter.tables.append(builder.indicator_table(indicator, notes))
        _equal_total_lines(builder, {t.code: t for t in chapter.tables}, rules)
        for table in [t for t in chapter.tables if t.is_empty]:
            chapter.tables.remove(table)
            chapter.empty += [r.label for r in table.rows] if table.code == KEY_FIGURES else [table.title]
        _breakdowns(builder, chapter, indicators)
        chapter.narratives = [n for n in narratives if n.chapter == code]
        reports.append(chapter)
    return EditionReport(
        edition=edition,
        years=years,
        chapters=reports,
        completeness=aggregation.load_completeness(years),
    )


# -- exports -----------------------------------------------------------------------------------------


def build_edition_workbook(
    *, year: int, public: bool, progress: Progress | None = None, fingerprint: str | None = None
) -> bytes:
    """The edition workbook (.xlsx) as bytes; `progress(done, total)` after the report and each sheet.

    `fingerprint`: the data's, when the caller (an export job) has just computed it.
    """
    from apps.monitor import disclosure
    from apps.monitor.cache import cached_report  # cache.py builds on this module
    from apps.monitor.exports import EditionWorkbook

    edition = Edition.objects.get(year=year)
    if public:
        # The audited, masked report: a failed audit raises here and no file is made.
        report = disclosure.protected_report(edition=edition, audience=disclosure.PUBLIC).report
    else:
        report = cached_report(edition=edition, published_only=False, fingerprint=fingerprint)
    workbook = EditionWorkbook(report, public=public, threshold=suppression_threshold(edition))
    total = workbook.steps + 1
    if progress is not None:
        progress(1, total)
        return workbook.build(progress=lambda done, __: progress(1 + done, total))
    return workbook.build()


def build_raw_export(*, year: int, csv: bool, progress: Progress | None = None) -> bytes:
    """Every value of the edition in long format (.xlsx or .csv); internal only."""
    from apps.monitor.rawdata import RawCsvExport, RawWorkbookExport

    edition = Edition.objects.get(year=year)
    exporter = RawCsvExport if csv else RawWorkbookExport
    return exporter(edition).build(progress=progress)


EXPORT_VARIANTS = {
    # variant: (file name suffix, content type)
    "internal": ("intern.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "public": ("openbaar.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "raw": ("ruwe-gegevens.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("ruwe-gegevens.csv", "text/csv; charset=utf-8"),
    # The whole report (texts, tables, charts) as PDF: apps/monitor/pdf.py.
    "report-pdf": ("rapport-intern.pdf", "application/pdf"),
    "report-pdf-public": ("rapport.pdf", "application/pdf"),
}
# Variants a visitor may have: published editions only, small counts hidden.
PUBLIC_VARIANTS = ("public", "report-pdf-public")


may_export = access.may_export


def build_export(
    *, year: int, variant: str, progress: Progress | None = None, fingerprint: str | None = None
) -> bytes:
    if variant.startswith("report-pdf"):
        from apps.monitor.pdf import build_report_pdf

        return build_report_pdf(year=year, public_variant=variant == "report-pdf-public", progress=progress)
    if variant in ("internal", "public"):
        return build_edition_workbook(
            year=year, public=variant == "public", progress=progress, fingerprint=fingerprint
        )
    return build_raw_export(year=year, csv=variant == "csv", progress=progress)


def export_filename(year: int, variant: str) -> str:
    return f"mensenhandelmonitor-{year}-{EXPORT_VARIANTS[variant][0]}"
