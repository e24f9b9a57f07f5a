"""The edition workbook (openpyxl): a cover sheet and one sheet per chapter, internal or public.

Figures are stored as numbers with a number format (the markers for incomplete, derived and
footnoted figures live in the format, so the value stays a number); text is always stored as text,
never as a formula, whatever it starts with.

The workbook is written in openpyxl's write-only mode: each sheet is laid out cell by cell in a
`sheets.SheetBuffer` (plain lists, no openpyxl objects) and written row by row when the workbook
is saved; see `sheets` for why.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from apps.monitor.aggregation import Cell, Completeness
from apps.monitor.services import (
    MAIN_TABLES,
    SHEET_TITLES,
    ChapterReport,
    EditionReport,
    Progress,
)
from apps.monitor.sheets import ALIGNMENT, BORDER, FILL, FONT, SheetBuffer, Styles
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
TOP_LINE = Border(top=THIN)
BOTTOM_LINE = Border(bottom=THIN)
RIGHT = Alignment(horizontal="right")
LEFT = Alignment(horizontal="left")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
LABEL_WIDTH = 62
VALUE_WIDTH = 14
CHART_ROWS = 16


@lru_cache(maxsize=16)
def indent(level: int) -> Alignment:
    """One Alignment object per indent level: styles are looked up by object identity."""
    return Alignment(indent=level * 2)


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
            ("x", "Afgeschermd zodat een klein aantal niet uit de totalen en de andere cijfers kan worden teruggerekend (kan ook zelf een klein aantal zijn)."),
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
        self.styles = Styles()

    @property
    def variant_label(self) -> str:
        if self.public:
            return f"Openbaar: aantallen van 1 tot en met {self.threshold - 1} zijn afgeschermd"
        return "Intern: alle cijfers, niet voor verspreiding"

    @property
    def steps(self) -> int:
        """Progress steps of `build`: the cover, each chapter, saving."""
        return len(self.report.chapters) + 2

    def build(self, progress: Progress | None = None) -> bytes:
        """The .xlsx as bytes; `progress(done, total)` is called after each sheet and after saving."""
        done = 0

        def step() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, self.steps)

        workbook = Workbook(write_only=True)
        workbook.properties.title = f"Mensenhandelmonitor {self.report.edition.year}"
        workbook.properties.creator = "Mensenhandelmonitor regio Rotterdam"
        cover = SheetBuffer(workbook.create_sheet("Voorblad"), self.styles)
        self._cover(cover)
        cover.close()
        step()
        for chapter in self.report.chapters:
            sheet = SheetBuffer(workbook.create_sheet(SHEET_TITLES[chapter.code]), self.styles)
            self._chapter(sheet, chapter)
            sheet.close()
            step()
        buffer = BytesIO()
        workbook.save(buffer)
        step()
        return buffer.getvalue()

    # -- cover ---------------------------------------------------------------------------------------

    def _cover(self, sheet: SheetBuffer) -> None:
        edition = self.report.edition
        sheet.text(1, 1, f"Mensenhandelmonitor {edition.year}", TITLE)
        sheet.text(2, 1, "Zicht op mensenhandel en de integrale aanpak in de regio Rotterdam", MUTED)
        facts = [
            ("Editie", edition.year),
            ("Status", str(edition.get_status_display())),
            ("Variant", self.variant_label),
            ("Gegenereerd op", self.generated_at),
            ("Jaren naast elkaar", ", ".join(str(y) for y in self.report.years)),
        ]
        row = 4
        for label, value in facts:
            sheet.text(row, 1, label, BOLD)
            if isinstance(value, str):
                sheet.text(row, 2, value)
            else:
                spec = sheet.value(row, 2, value, "dd-mm-yyyy hh:mm" if not isinstance(value, int) else "0")
                spec[ALIGNMENT] = LEFT
            row += 1
        row = self._completeness(sheet, row + 1)
        row = self._legend(sheet, row + 1)
        if self.public:  # the disclosure rule and the information loss (apps.monitor.disclosure)
            from apps.monitor.disclosure import cover_lines

            for label, text in cover_lines(self.report, self.suppression):
                row += 1
                sheet.text(row, 1, label, BOLD)
                sheet.text(row, 2, text)
            row += 1
        sheet.text(row + 1, 1, "Inhoud", HEADING)
        for offset, chapter in enumerate(self.report.chapters, start=2):
            sheet.text(row + offset, 1, f"{SHEET_TITLES[chapter.code]}: {chapter.title}")
        widths = sheet.ws.column_dimensions
        widths["A"].width = 40
        widths["B"].width = 14
        widths["C"].width = 14
        widths["D"].width = 60
        widths["E"].width = 60

    def _completeness(self, sheet: SheetBuffer, row: int) -> int:
        main = self.report.main_completeness
        sheet.text(row, 1, f"Volledigheid {main.year}", HEADING)
        sheet.text(row + 1, 1, completeness_line(main).removesuffix(" (zie Voorblad)."))
        row += 2
        for column, label in enumerate(["Formulier", "Opgenomen", "Verwacht", "Opgenomen organisaties", "Ontbreekt (status)"], 1):
            sheet.text(row, column, label, BOLD)[FILL] = HEADER_FILL
        for form in main.forms:
            row += 1
            sheet.text(row, 1, form.title)
            sheet.value(row, 2, len(form.included), NUMBER_FORMAT)
            sheet.value(row, 3, form.expected, NUMBER_FORMAT)
            sheet.text(row, 4, ", ".join(form.included) or "–")[ALIGNMENT] = WRAP_TOP
            missing = ", ".join(f"{name} ({status.lower()})" for name, status in form.missing) or "–"
            sheet.text(row, 5, missing)[ALIGNMENT] = WRAP_TOP
        for year in self.report.years[1:]:
            row += 1
            other = self.report.completeness[year]
            sheet.text(row, 1, f"{year}: {other.included_count} van {other.expected_count} aanleveringen opgenomen", MUTED)
        return row + 1

    def _legend(self, sheet: SheetBuffer, row: int) -> int:
        sheet.text(row, 1, "Legenda", HEADING)
        for symbol, meaning in legend(self.public, self.threshold):
            row += 1
            sheet.text(row, 1, symbol, BOLD)
            sheet.text(row, 2, meaning)
        return row + 1

    # -- chapters ------------------------------------------------------------------------------------

    def _chapter(self, sheet: SheetBuffer, chapter: ChapterReport) -> None:
        edition = self.report.edition
        ws = sheet.ws
        sheet.text(1, 1, f"{chapter.title} – Mensenhandelmonitor {edition.year}", HEADING)
        sheet.text(2, 1, f"{self.variant_label} · gegenereerd op {self.generated_at:%d-%m-%Y %H:%M}", MUTED)
        sheet.text(3, 1, completeness_line(self.report.main_completeness), MUTED)
        ws.freeze_panes = "B4"
        row = 5
        widest = 2
        for table in chapter.all_tables:
            row = self._table(sheet, row, table)
            widest = max(widest, len(table.columns) + 1)
        if chapter.empty:
            sheet.text(row, 1, "Geen cijfers aangeleverd voor: " + "; ".join(chapter.empty) + ".", MUTED)
            row += 2
        if chapter.narratives:
            row = self._narratives(sheet, row, chapter, widest)
        ws.column_dimensions["A"].width = LABEL_WIDTH
        for column in range(2, widest + 1):
            ws.column_dimensions[get_column_letter(column)].width = VALUE_WIDTH

    def _table(self, sheet: SheetBuffer, row: int, table: Table) -> int:
        sheet.text(row, 1, table.title, HEADING)
        row += 1
        if table.help_text:
            sheet.text(row, 1, table.help_text, MUTED)
            row += 1
        header_row = row
        sheet.text(row, 1, table.row_header or "Categorie", BOLD)
        for column, label in enumerate(table.columns, start=2):
            sheet.text(row, column, label, BOLD)[ALIGNMENT] = RIGHT
        for column in range(1, len(table.columns) + 2):
            spec = sheet.at(row, column)
            spec[FILL], spec[BORDER] = HEADER_FILL, BOTTOM_LINE
        last_part_row = None
        for table_row in table.rows:
            row += 1
            self._row(sheet, row, table_row)
            if not table_row.is_total and (last_part_row is None or last_part_row == row - 1):
                last_part_row = row
        row += 1
        for note in table.notes:
            sheet.text(row, 1, f"({note.number}) {note.text}", MUTED)
            row += 1
        if table.code in MAIN_TABLES and table.chart == "bar" and last_part_row:
            self._chart(sheet.ws, table, header_row, last_part_row)
            row = max(row, header_row + CHART_ROWS)
        return row + 1

    def _row(self, sheet: SheetBuffer, row: int, table_row: Row) -> None:
        font = BOLD if table_row.is_total else None
        first = sheet.text(row, 1, table_row.label + notes_text(table_row.notes), font)
        first[ALIGNMENT] = indent(table_row.level)
        if table_row.is_total:
            first[BORDER] = TOP_LINE
        for column, (cell_id, cell, notes) in enumerate(
            zip(table_row.ids, table_row.cells, table_row.cell_notes, strict=True), start=2
        ):
            symbol = self.suppression.symbol(cell_id, self.threshold) if self.public else None
            if symbol is not None:
                spec = sheet.text(row, column, symbol + notes_text(notes))
                spec[FILL] = HIDDEN_FILL
            elif not cell.asked:
                spec = sheet.text(row, column, "n.v.t.")
            elif cell.number is None:
                spec = sheet.text(row, column, notes_text(notes).strip()) if notes else sheet.at(row, column)
            else:
                spec = sheet.value(row, column, cell.number, number_format(cell, notes))
            spec[ALIGNMENT] = RIGHT
            if font is not None:
                spec[FONT] = font
            if table_row.is_total:
                spec[BORDER] = TOP_LINE

    def _chart(self, ws, table: Table, header_row: int, last_part_row: int) -> None:
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

    def _narratives(self, sheet: SheetBuffer, row: int, chapter: ChapterReport, widest: int) -> int:
        sheet.text(row, 1, "Toelichtingen", HEADING)
        row += 1
        muted, wrapped = sheet.style(font=MUTED), sheet.style(alignment=WRAP_TOP)
        for narrative in chapter.narratives:
            sheet.text(row, 1, narrative.label, BOLD)
            row += 1
            for organisation, text in narrative.texts:
                sheet.line(row, organisation, style=muted)
                sheet.line(row + 1, text, style=wrapped, height=15 * (1 + len(text) // 110), merge_to=widest)
                row += 2
            row += 1
        return row
