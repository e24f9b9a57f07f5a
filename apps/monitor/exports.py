"""The edition workbook (openpyxl): a cover sheet and one sheet per chapter, internal or public.

Figures are stored as numbers with a number format (the markers for incomplete, derived and
footnoted figures live in the format, so the value stays a number); text is always stored as text,
never as a formula, whatever it starts with.
"""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from apps.monitor.aggregation import Cell, Completeness
from apps.monitor.services import (
    MAIN_TABLES,
    SHEET_TITLES,
    ChapterReport,
    EditionReport,
)
from apps.monitor.suppression import Suppression
from apps.monitor.tables import Row, Table

NUMBER_FORMAT = "#,##0"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=16)
HEADING = Font(bold=True, size=12)
MUTED = Font(italic=True, color="595F64")
HEADER_FILL = PatternFill("solid", fgColor="E9ECEF")
HIDDEN_FILL = PatternFill("solid", fgColor="FFF3CD")
THIN = Side(style="thin", color="6C757D")
LABEL_WIDTH = 62
VALUE_WIDTH = 14
CHART_ROWS = 16


def put_text(ws: Worksheet, row: int, column: int, text: str, font: Font | None = None) -> None:
    """Write text as text: a leading =, +, - or @ never turns it into a formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    cell.data_type = "s"
    if font is not None:
        cell.font = font


def number_format(cell: Cell, notes: list[int]) -> str:
    """'#,##0' with the markers of the legend: ≥ incomplete, * derived, (n) footnote."""
    suffix = ("*" if cell.derived else "") + "".join(f" ({n})" for n in notes)
    prefix = '"≥"' if cell.incomplete else ""
    return prefix + NUMBER_FORMAT + (f'"{suffix}"' if suffix else "")


def notes_text(notes: list[int]) -> str:
    return "".join(f" ({n})" for n in notes)


def legend(public: bool, threshold: int) -> list[tuple[str, str]]:
    items = [
        ("(leeg)", "Onbekend of niet aangeleverd. Leeg is niet 0: 0 betekent bekend dat het er geen zijn."),
        ("≥ 12", "Onvolledig: niet alle goedgekeurde organisaties leverden dit cijfer; het werkelijke aantal is minstens zo groot."),
        ("12*", "Berekend: het totaal is niet aangeleverd en is de som van de (bekende) delen."),
        ("n.v.t.", "Niet gevraagd in die editie."),
        ("(1)", "Voetnoot: de toelichting staat onder de tabel."),
    ]
    if public:
        items += [
            (f"<{threshold}", f"Klein aantal (1 tot en met {threshold - 1}), afgeschermd ter bescherming van personen."),
            ("x", "Afgeschermd zodat een klein aantal niet uit de totalen en de andere cijfers kan worden teruggerekend."),
        ]
    return items


def completeness_line(completeness: Completeness) -> str:
    missing = [
        f"{f.title} ({len(f.missing)})" if len(f.missing) > 1 else f"{f.title}: {f.missing[0][0]}"
        for f in completeness.forms
        if f.missing
    ]
    text = f"Volledigheid {completeness.year}: {completeness.included_count} van {completeness.expected_count} aanleveringen goedgekeurd en opgenomen"
    return text + (f"; ontbrekend: {'; '.join(missing)}" if missing else "") + " (zie Voorblad)."


class EditionWorkbook:
    """One workbook per edition: cover sheet, then a sheet per chapter."""

    def __init__(self, report: EditionReport, *, public: bool, threshold: int) -> None:
        self.report = report
        self.public = public
        self.threshold = threshold
        self.suppression = report.suppression(threshold) if public else Suppression()
        self.generated_at = timezone.localtime(report.generated_at).replace(tzinfo=None, microsecond=0)

    @property
    def variant_label(self) -> str:
        if self.public:
            return f"Openbaar: aantallen van 1 tot en met {self.threshold - 1} zijn afgeschermd"
        return "Intern: alle cijfers, niet voor verspreiding"

    def build(self) -> bytes:
        workbook = Workbook()
        workbook.properties.title = f"Mensenhandelmonitor {self.report.edition.year}"
        workbook.properties.creator = "Mensenhandelmonitor regio Rotterdam"
        cover = workbook.active
        cover.title = "Voorblad"
        self._cover(cover)
        for chapter in self.report.chapters:
            self._chapter(workbook.create_sheet(SHEET_TITLES[chapter.code]), chapter)
        buffer = BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    # -- cover ---------------------------------------------------------------------------------------

    def _cover(self, ws: Worksheet) -> None:
        edition = self.report.edition
        put_text(ws, 1, 1, f"Mensenhandelmonitor {edition.year}", TITLE)
        put_text(ws, 2, 1, "Zicht op mensenhandel en de integrale aanpak in de regio Rotterdam", MUTED)
        facts = [
            ("Editie", edition.year),
            ("Status", str(edition.get_status_display())),
            ("Variant", self.variant_label),
            ("Gegenereerd op", self.generated_at),
            ("Jaren naast elkaar", ", ".join(str(y) for y in self.report.years)),
        ]
        row = 4
        for label, value in facts:
            put_text(ws, row, 1, label, BOLD)
            if isinstance(value, str):
                put_text(ws, row, 2, value)
            else:
                cell = ws.cell(row=row, column=2, value=value)
                cell.number_format = "dd-mm-yyyy hh:mm" if not isinstance(value, int) else "0"
                cell.alignment = Alignment(horizontal="left")
            row += 1
        row = self._completeness(ws, row + 1)
        row = self._legend(ws, row + 1)
        put_text(ws, row + 1, 1, "Inhoud", HEADING)
        for offset, chapter in enumerate(self.report.chapters, start=2):
            put_text(ws, row + offset, 1, f"{SHEET_TITLES[chapter.code]}: {chapter.title}")
        ws.column_dimensions["A"].width = 40
        ws.column_dimensions["B"].width = 14
        ws.column_dimensions["C"].width = 14
        ws.column_dimensions["D"].width = 60
        ws.column_dimensions["E"].width = 60

    def _completeness(self, ws: Worksheet, row: int) -> int:
        main = self.report.main_completeness
        put_text(ws, row, 1, f"Volledigheid {main.year}", HEADING)
        put_text(ws, row + 1, 1, completeness_line(main).removesuffix(" (zie Voorblad)."))
        row += 2
        for column, label in enumerate(["Formulier", "Opgenomen", "Verwacht", "Opgenomen organisaties", "Ontbreekt (status)"], 1):
            put_text(ws, row, column, label, BOLD)
            ws.cell(row=row, column=column).fill = HEADER_FILL
        for form in main.forms:
            row += 1
            put_text(ws, row, 1, form.title)
            ws.cell(row=row, column=2, value=len(form.included)).number_format = NUMBER_FORMAT
            ws.cell(row=row, column=3, value=form.expected).number_format = NUMBER_FORMAT
            put_text(ws, row, 4, ", ".join(form.included) or "–")
            put_text(ws, row, 5, ", ".join(f"{name} ({status.lower()})" for name, status in form.missing) or "–")
            for column in (4, 5):
                ws.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
        for year in self.report.years[1:]:
            row += 1
            other = self.report.completeness[year]
            put_text(ws, row, 1, f"{year}: {other.included_count} van {other.expected_count} aanleveringen opgenomen", MUTED)
        return row + 1

    def _legend(self, ws: Worksheet, row: int) -> int:
        put_text(ws, row, 1, "Legenda", HEADING)
        for symbol, meaning in legend(self.public, self.threshold):
            row += 1
            put_text(ws, row, 1, symbol, BOLD)
            put_text(ws, row, 2, meaning)
        return row + 1

    # -- chapters ------------------------------------------------------------------------------------

    def _chapter(self, ws: Worksheet, chapter: ChapterReport) -> None:
        edition = self.report.edition
        put_text(ws, 1, 1, f"{chapter.title} – Mensenhandelmonitor {edition.year}", HEADING)
        put_text(ws, 2, 1, f"{self.variant_label} · gegenereerd op {self.generated_at:%d-%m-%Y %H:%M}", MUTED)
        put_text(ws, 3, 1, completeness_line(self.report.main_completeness), MUTED)
        ws.freeze_panes = "B4"
        row = 5
        widest = 2
        for table in chapter.all_tables:
            row = self._table(ws, row, table)
            widest = max(widest, len(table.columns) + 1)
        if chapter.empty:
            put_text(ws, row, 1, "Geen cijfers aangeleverd voor: " + "; ".join(chapter.empty) + ".", MUTED)
            row += 2
        if chapter.narratives:
            row = self._narratives(ws, row, chapter, widest)
        ws.column_dimensions["A"].width = LABEL_WIDTH
        for column in range(2, widest + 1):
            ws.column_dimensions[get_column_letter(column)].width = VALUE_WIDTH

    def _table(self, ws: Worksheet, row: int, table: Table) -> int:
        put_text(ws, row, 1, table.title, HEADING)
        row += 1
        if table.help_text:
            put_text(ws, row, 1, table.help_text, MUTED)
            row += 1
        header_row = row
        put_text(ws, row, 1, table.row_header or "Categorie", BOLD)
        for column, label in enumerate(table.columns, start=2):
            put_text(ws, row, column, label, BOLD)
            ws.cell(row=row, column=column).alignment = Alignment(horizontal="right")
        for column in range(1, len(table.columns) + 2):
            ws.cell(row=row, column=column).fill = HEADER_FILL
            ws.cell(row=row, column=column).border = Border(bottom=THIN)
        last_part_row = None
        for table_row in table.rows:
            row += 1
            self._row(ws, row, table_row)
            if not table_row.is_total and (last_part_row is None or last_part_row == row - 1):
                last_part_row = row
        row += 1
        for note in table.notes:
            put_text(ws, row, 1, f"({note.number}) {note.text}", MUTED)
            row += 1
        if table.code in MAIN_TABLES and table.chart == "bar" and last_part_row:
            self._chart(ws, table, header_row, last_part_row)
            row = max(row, header_row + CHART_ROWS)
        return row + 1

    def _row(self, ws: Worksheet, row: int, table_row: Row) -> None:
        font = BOLD if table_row.is_total else None
        put_text(ws, row, 1, table_row.label + notes_text(table_row.notes), font)
        ws.cell(row=row, column=1).alignment = Alignment(indent=table_row.level * 2)
        for column, (cell_id, cell, notes) in enumerate(
            zip(table_row.ids, table_row.cells, table_row.cell_notes, strict=True), start=2
        ):
            target = ws.cell(row=row, column=column)
            symbol = self.suppression.symbol(cell_id, self.threshold) if self.public else None
            if symbol is not None:
                put_text(ws, row, column, symbol + notes_text(notes))
                target.fill = HIDDEN_FILL
            elif not cell.asked:
                put_text(ws, row, column, "n.v.t.")
            elif cell.number is None:
                if notes:
                    put_text(ws, row, column, notes_text(notes).strip())
            else:
                target.value = cell.number
                target.number_format = number_format(cell, notes)
            target.alignment = Alignment(horizontal="right")
            if font is not None:
                target.font = font
            if table_row.is_total:
                target.border = Border(top=THIN)
        if table_row.is_total:
            ws.cell(row=row, column=1).border = Border(top=THIN)

    def _chart(self, ws: Worksheet, table: Table, header_row: int, last_part_row: int) -> None:
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "clustered"
        chart.title = table.title
        chart.y_axis.title = "Aantal"
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        data = Reference(ws, min_col=2, max_col=len(table.columns) + 1, min_row=header_row, max_row=last_part_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_part_row))
        chart.width, chart.height = 18, 7.5
        ws.add_chart(chart, f"{get_column_letter(len(table.columns) + 3)}{header_row}")

    def _narratives(self, ws: Worksheet, row: int, chapter: ChapterReport, widest: int) -> int:
        put_text(ws, row, 1, "Toelichtingen", HEADING)
        row += 1
        for narrative in chapter.narratives:
            put_text(ws, row, 1, narrative.label, BOLD)
            row += 1
            for organisation, text in narrative.texts:
                put_text(ws, row, 1, organisation, MUTED)
                row += 1
                put_text(ws, row, 1, text)
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=widest)
                ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
                ws.row_dimensions[row].height = 15 * (1 + len(text) // 110)
                row += 1
            row += 1
        return row
