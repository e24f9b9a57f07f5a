"""The raw data of an edition in long format (one line per cell), as .xlsx or .csv; internal only.

Every submission of the edition appears with its status, also one without any figure (a line
without indicator), so the file itself shows which organisations are included and which are missing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from io import BytesIO, StringIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from apps.monitor.aggregation import load_completeness
from apps.submissions.models import TOTAL, Category, Edition, Submission, Value

COLUMNS = [
    "editie",
    "organisatie",
    "soort",
    "subregio",
    "formulier",
    "status",
    "indicator",
    "indicator_label",
    "rij",
    "rij_label",
    "kolom",
    "kolom_label",
    "aantal",
    "tekst",
    "opmerking",
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _lines(edition: Edition) -> Iterator[list]:
    """The rows of the export in three queries, streamed from the database."""
    labels = {
        (dimension_id, code): label
        for dimension_id, code, label in Category.objects.filter(dimension__edition=edition).values_list(
            "dimension_id", "code", "label"
        )
    }
    statuses = dict(Submission.Status.choices)

    def label(dimension_id: int | None, code: str, total_label: str) -> str:
        if code == TOTAL:
            return total_label
        return labels.get((dimension_id, code), "")

    values = (
        Value.objects.filter(submission__edition=edition)
        .order_by("submission__organisation__name", "submission__form__order", "indicator__section__order", "indicator__order", "row", "col")
        .values_list(
            "submission__organisation__name",
            "submission__organisation__kind",
            "submission__organisation__subregion",
            "submission__form__code",
            "submission__status",
            "indicator__code",
            "indicator__label",
            "indicator__row_dimension_id",
            "indicator__col_dimension_id",
            "indicator__total_label",
            "row",
            "col",
            "number",
            "text",
            "comment",
        )
    )
    for name, kind, subregion, form, status, code, ind_label, row_dim, col_dim, total_label, row, col, number, text, comment in values.iterator(
        chunk_size=2000
    ):
        yield [
            edition.year, name, kind, subregion, form, str(statuses.get(status, status)), code, ind_label,
            row, label(row_dim, row, total_label), col, label(col_dim, col, "Totaal"), number, text, comment,
        ]  # fmt: skip
    empty = (
        Submission.objects.filter(edition=edition, values__isnull=True)
        .order_by("organisation__name", "form__order")
        .values_list("organisation__name", "organisation__kind", "organisation__subregion", "form__code", "status")
    )
    for name, kind, subregion, form, status in empty:
        yield [edition.year, name, kind, subregion, form, str(statuses.get(status, status))] + [""] * 6 + [None, "", ""]


class RawWorkbookExport:
    """Long format in a write-only workbook, with the edition's completeness on a second sheet."""

    def __init__(self, edition: Edition) -> None:
        self.edition = edition

    def _cell(self, ws, value) -> WriteOnlyCell:
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"  # never a formula
            return cell
        return WriteOnlyCell(ws, value=value)

    def build(self) -> bytes:
        workbook = Workbook(write_only=True)
        ws = workbook.create_sheet("Gegevens")
        ws.freeze_panes = "A2"
        header = []
        for title in COLUMNS:
            cell = self._cell(ws, title)
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        for line in _lines(self.edition):
            ws.append([self._cell(ws, value) for value in line])
        sheet = workbook.create_sheet("Volledigheid")
        sheet.append([self._cell(sheet, t) for t in ("formulier", "organisatie", "opgenomen", "status")])
        for form in load_completeness([self.edition.year])[self.edition.year].forms:
            for name in form.included:
                sheet.append([self._cell(sheet, v) for v in (form.title, name, "ja", "goedgekeurd")])
            for name, status in form.missing:
                sheet.append([self._cell(sheet, v) for v in (form.title, name, "nee", status.lower())])
        buffer = BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def csv_safe(value) -> str:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe (OWASP)."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class RawCsvExport:
    """Long format as CSV: semicolon separated and UTF-8 with BOM, as Dutch Excel expects."""

    def __init__(self, edition: Edition) -> None:
        self.edition = edition

    def build(self) -> bytes:
        buffer = StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for line in _lines(self.edition):
            writer.writerow([value if isinstance(value, int) else csv_safe(value) for value in line])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
