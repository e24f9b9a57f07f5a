"""The raw data of an edition in long format (one line per cell), as .xlsx or .csv; internal only.

Every submission of the edition appears with its status, also one without any figure (a line
without indicator), so the file itself shows which organisations are included and which are missing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO, StringIO

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from apps.monitor.aggregation import load_completeness
from apps.monitor.services import Progress
from apps.monitor.xlsx import WORKBOOK_OPTIONS, clean_text
from apps.partners.spreadsheets import csv_safe
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
CHUNK_SIZE = 2000


def _lines(edition: Edition, tick: Callable[[int], None] | None = None) -> Iterator[list]:
    """The rows of the export in three queries, streamed from the database (no model instances).

    `tick(lines done)` is called every CHUNK_SIZE lines.
    """
    labels = {
        (dimension_id, code): label
        for dimension_id, code, label in Category.objects.filter(dimension__edition=edition).values_list(
            "dimension_id", "code", "label"
        )
    }
    # The labels once, not a lazy translation per line.
    statuses = {value: str(label) for value, label in Submission.Status.choices}
    year = edition.year

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
    done = 0
    for name, kind, subregion, form, status, code, ind_label, row_dim, col_dim, total_label, row, col, number, text, comment in values.iterator(
        chunk_size=CHUNK_SIZE
    ):
        yield [
            year, name, kind, subregion, form, statuses.get(status, status), code, ind_label,
            row, total_label if row == TOTAL else labels.get((row_dim, row), ""),
            col, "Totaal" if col == TOTAL else labels.get((col_dim, col), ""),
            number, text, comment,
        ]  # fmt: skip
        if tick is not None:
            done += 1
            if done % CHUNK_SIZE == 0:
                tick(done)
    empty = (
        Submission.objects.filter(edition=edition, values__isnull=True)
        .order_by("organisation__name", "form__order")
        .values_list("organisation__name", "organisation__kind", "organisation__subregion", "form__code", "status")
    )
    for name, kind, subregion, form, status in empty:
        yield [year, name, kind, subregion, form, statuses.get(status, status)] + [""] * 6 + [None, "", ""]


def _progress_ticker(edition: Edition, progress: Progress | None) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """(tick per chunk of lines, finish): progress in lines, plus one step for the rest of the file."""
    if progress is None:
        return None, lambda: None
    total = Value.objects.filter(submission__edition=edition).count() + 1
    return (lambda done: progress(min(done, total - 1), total)), (lambda: progress(total, total))


def write_lines(ws: Worksheet, lines: Iterable[list], *, first_row: int = 0) -> int:
    """Plain values row by row (constant memory): every str as text, numbers as numbers, None empty.

    Names, codes and labels repeat on every line: each distinct text is cleaned once.
    Returns the number of rows written.
    """
    write_string, write_number = ws.write_string, ws.write_number
    seen: dict[str, str] = {}
    row = first_row
    for line in lines:
        for column, value in enumerate(line):
            if value is None:
                continue
            if value.__class__ is str:
                text = seen.get(value)
                if text is None:
                    text = clean_text(value)
                    if len(seen) < 50_000:
                        seen[value] = text
                if text:
                    write_string(row, column, text)
            else:
                write_number(row, column, value)
        row += 1
    return row - first_row


class RawWorkbookExport:
    """Long format in a constant-memory workbook, with the edition's completeness on a second sheet.

    The lines stream from the database cursor into the sheet, one row in memory at a time.
    """

    def __init__(self, edition: Edition) -> None:
        self.edition = edition

    def build(self, progress: Progress | None = None) -> bytes:
        buffer = BytesIO()
        workbook = Workbook(buffer, {**WORKBOOK_OPTIONS, "constant_memory": True})
        bold = workbook.add_format({"bold": True})
        ws = workbook.add_worksheet("Gegevens")
        ws.freeze_panes(1, 0)
        ws.set_column(0, len(COLUMNS) - 1, 14)
        for column, name in enumerate(COLUMNS):
            ws.write_string(0, column, name, bold)
        tick, finish = _progress_ticker(self.edition, progress)
        lines = write_lines(ws, _lines(self.edition, tick), first_row=1)
        ws.autofilter(0, 0, lines, len(COLUMNS) - 1)
        completeness = [["formulier", "organisatie", "opgenomen", "status"]]
        for form in load_completeness([self.edition.year])[self.edition.year].forms:
            completeness += [[form.title, name, "ja", "goedgekeurd"] for name in form.included]
            # Complete without figures: nothing is missing, and the reason says why.
            completeness += [[form.title, name, "nee", f"niets te melden: {why}"] for name, why in form.nothing_to_report]
            completeness += [[form.title, name, "nee", f"niet van toepassing: {why}"] for name, why in form.not_applicable]
            completeness += [[form.title, name, "nee", status.lower()] for name, status in form.missing]
        sheet = workbook.add_worksheet("Volledigheid")
        sheet.set_column(0, 1, 40)
        write_lines(sheet, completeness)
        workbook.close()
        finish()
        return buffer.getvalue()


class RawCsvExport:
    """Long format as CSV: semicolon separated and UTF-8 with BOM, as Dutch Excel expects."""

    def __init__(self, edition: Edition) -> None:
        self.edition = edition

    def build(self, progress: Progress | None = None) -> bytes:
        buffer = StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        tick, finish = _progress_ticker(self.edition, progress)
        for line in _lines(self.edition, tick):
            writer.writerow([value if isinstance(value, int) else csv_safe(value) for value in line])
        content = ("\ufeff" + buffer.getvalue()).encode("utf-8")
        finish()
        return content
