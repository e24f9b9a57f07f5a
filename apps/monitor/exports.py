"""The edition workbook (XlsxWriter): a cover sheet and one sheet per chapter, internal or public.

Figures are stored as numbers with a number format (the markers for incomplete, derived and
footnoted figures live in the format, so the value stays a number); text is always stored as text
(`write_string`, and the workbook's string conversions off), never as a formula, whatever it starts with.

Every sheet prints: A4, fit to the page width (landscape when portrait would shrink it below 80 %),
a print area, the sheet's heading repeated on every page, page numbers in the footer, and page
breaks that keep each table with its notes and chart on one page. Charts sit below their table,
inside the print area; their categories are the table's (text) labels and XlsxWriter writes the
values it wrote into the cells as the charts' cached data, so they draw without recalculation.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from io import BytesIO

from django.utils import timezone
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from apps.monitor.aggregation import Cell, Completeness
from apps.monitor.services import (
    MAIN_TABLES,
    SHEET_TITLES,
    ChapterReport,
    EditionReport,
    Progress,
)
from apps.monitor.suppression import Suppression
from apps.monitor.tables import Row, Table
from apps.monitor.xlsx import WORKBOOK_OPTIONS, Formats, PrintLayout, clean_text, header_text, rows_for

NUMBER_FORMAT = "#,##0"
BOLD = {"bold": True}
TITLE = {"bold": True, "font_size": 16}
HEADING = {"bold": True, "font_size": 12}
MUTED = {"italic": True, "font_color": "#595F64"}
HEADER_FILL = {"pattern": 1, "bg_color": "#E9ECEF"}
HIDDEN_FILL = {"pattern": 1, "bg_color": "#FFF3CD"}
TOP_LINE = {"top": 1, "top_color": "#6C757D"}
BOTTOM_LINE = {"bottom": 1, "bottom_color": "#6C757D"}
RIGHT = {"align": "right"}
LEFT = {"align": "left"}
WRAP_TOP = {"text_wrap": True, "valign": "top"}
WRAP_BOTTOM = {"text_wrap": True, "valign": "bottom"}
LABEL_WIDTH = 62
VALUE_WIDTH = 14
COVER_WIDTHS = [40, 14, 14, 60, 60]
CHART_HEIGHT = 280  # pixels
CHART_ROWS = rows_for(CHART_HEIGHT * 0.75) + 1
HEADING_HEIGHT = 16.0  # points: a row with 12 pt text
TITLE_HEIGHT = 21.0


@lru_cache(maxsize=16)
def indent(level: int) -> dict:
    """One dict per indent level: formats are looked up by the identity of their parts."""
    return {"indent": level * 2}


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
    text = f"Volledigheid {completeness.year}: {completeness.complete_count} van {completeness.expected_count} aanleveringen compleet ({completeness.included_count} goedgekeurd en opgenomen"
    if completeness.nothing_to_report_count:
        text += f", {completeness.nothing_to_report_count} niets te melden"
    if completeness.not_applicable_count:
        text += f", {completeness.not_applicable_count} niet van toepassing"
    text += ")" + (f"; ontbrekend: {'; '.join(missing)}" if missing else "")
    if completeness.revision_note:
        text += f". {completeness.revision_note}"
    return text + " (zie Voorblad)."


class Sheet:
    """A worksheet addressed from row 1 and column 1 (XlsxWriter counts from 0), with its print layout."""

    def __init__(self, ws: Worksheet, formats: Formats, widths: list[float], *, repeat: int = 0) -> None:
        self.ws = ws
        self.formats = formats
        self.layout = PrintLayout(widths=widths, repeat=repeat)
        self.last_row = 1
        for column, width in enumerate(widths):
            ws.set_column(column, column, width)

    def text(self, row: int, column: int, text, *parts: dict | None) -> None:
        """Text as text: a leading =, +, - or @ never turns it into a formula."""
        self.ws.write_string(row - 1, column - 1, clean_text(text), self.formats.get(*parts))
        self.last_row = max(self.last_row, row)

    def number(self, row: int, column: int, value: int | float, num_format: str, *parts: dict | None) -> None:
        self.ws.write_number(row - 1, column - 1, value, self.formats.get(*parts, num_format=num_format))
        self.last_row = max(self.last_row, row)

    def blank(self, row: int, column: int, *parts: dict | None) -> None:
        cell_format = self.formats.get(*parts)
        if cell_format is not None:
            self.ws.write_blank(row - 1, column - 1, None, cell_format)

    def height(self, row: int, points: float) -> None:
        self.ws.set_row(row - 1, points)
        self.layout.height(row, points)

    def merged_text(self, row: int, first: int, last: int, text, *parts: dict | None) -> None:
        """Text over several columns: the range is merged empty, then the text written as text."""
        cell_format = self.formats.get(*parts)
        if last > first:
            self.ws.merge_range(row - 1, first - 1, row - 1, last - 1, "", cell_format)
        self.ws.write_string(row - 1, first - 1, clean_text(text), cell_format)
        self.last_row = max(self.last_row, row)

    def wrapped(self, row: int, text: str, *parts: dict | None) -> None:
        """A line of text over the sheet's printed width, wrapped, with the height its lines need."""
        self.merged_text(row, 1, len(self.layout.widths), text, *parts, WRAP_TOP)
        # About 1.15 characters of text per character of column width.
        per_line = max(20, int(sum(self.layout.widths) * 1.15))
        lines = max(1, -(-len(text) // per_line))
        if lines > 1:
            self.height(row, 15 * lines)


class EditionWorkbook:
    """One workbook per edition: cover sheet, then a sheet per chapter.

    `cover_lines`: extra lines for the cover, under the facts (e.g. how the public variant
    protects small counts); anyone preparing the workbook may append to it before `build`.
    """

    def __init__(self, report: EditionReport, *, public: bool, threshold: int) -> None:
        self.report = report
        self.public = public
        self.threshold = threshold
        self.suppression = report.suppression(threshold) if public else Suppression()
        self.generated_at = timezone.localtime(report.generated_at).replace(tzinfo=None, microsecond=0)
        self.cover_lines: list[str] = []

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

        buffer = BytesIO()
        # Not constant_memory: the charts' cached values are read from the cells written.
        workbook = Workbook(buffer, {**WORKBOOK_OPTIONS, "in_memory": True})
        workbook.set_properties(
            {"title": f"Mensenhandelmonitor {self.report.edition.year}", "author": "Mensenhandelmonitor regio Rotterdam"}
        )
        self.formats = Formats(workbook)
        self.workbook = workbook
        cover = Sheet(workbook.add_worksheet("Voorblad"), self.formats, COVER_WIDTHS)
        self._cover(cover)
        self._print(cover, "Voorblad")
        step()
        for chapter in self.report.chapters:
            title = SHEET_TITLES[chapter.code]
            sheet = self._chapter(workbook.add_worksheet(title), chapter)
            self._print(sheet, title)
            step()
        workbook.close()
        step()
        return buffer.getvalue()

    def _print(self, sheet: Sheet, title: str) -> None:
        year = self.report.edition.year
        variant = "Openbaar" if self.public else "Intern"
        sheet.layout.apply(
            sheet.ws,
            last_row=sheet.last_row,
            header=f"&L&8{header_text(f'Mensenhandelmonitor {year} – {title}')}&R&8{variant}",
            footer=f"&L&8Gegenereerd op {self.generated_at:%d-%m-%Y %H:%M}&R&8Pagina &P van &N",
        )

    # -- cover ---------------------------------------------------------------------------------------

    def _cover(self, sheet: Sheet) -> None:
        edition = self.report.edition
        sheet.text(1, 1, f"Mensenhandelmonitor {edition.year}", TITLE)
        sheet.height(1, TITLE_HEIGHT)
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
            elif isinstance(value, datetime.datetime):
                sheet.ws.write_datetime(row - 1, 1, value, self.formats.get(LEFT, num_format="dd-mm-yyyy hh:mm"))
            else:
                sheet.number(row, 2, value, "0", LEFT)
            row += 1
        for line in self.cover_lines:
            sheet.text(row, 1, line, MUTED)
            row += 1
        start = row + 1
        row = self._completeness(sheet, start)
        sheet.layout.keep(start, row - 1)
        start = row + 1
        row = self._legend(sheet, start)
        if self.public:  # the disclosure rule and the information loss (apps.monitor.disclosure)
            from apps.monitor.disclosure import cover_lines

            for label, text in cover_lines(self.report, self.suppression):
                row += 1
                sheet.text(row, 1, label, BOLD)
                sheet.text(row, 2, text)
            row += 1
        sheet.layout.keep(start, row - 1)
        sheet.text(row + 1, 1, "Inhoud", HEADING)
        sheet.height(row + 1, HEADING_HEIGHT)
        for offset, chapter in enumerate(self.report.chapters, start=2):
            sheet.text(row + offset, 1, f"{SHEET_TITLES[chapter.code]}: {chapter.title}")
        sheet.layout.keep(row + 1, row + 1 + len(self.report.chapters))

    def _completeness(self, sheet: Sheet, row: int) -> int:
        main = self.report.main_completeness
        sheet.text(row, 1, f"Volledigheid {main.year}", HEADING)
        sheet.height(row, HEADING_HEIGHT)
        sheet.text(row + 1, 1, completeness_line(main).removesuffix(" (zie Voorblad)."))
        row += 2
        for column, label in enumerate(["Formulier", "Opgenomen", "Verwacht", "Opgenomen organisaties", "Ontbreekt (status)"], 1):
            sheet.text(row, column, label, BOLD, HEADER_FILL)
        for form in main.forms:
            row += 1
            sheet.text(row, 1, form.title)
            sheet.number(row, 2, len(form.included), NUMBER_FORMAT)
            sheet.number(row, 3, form.expected, NUMBER_FORMAT)
            included = ", ".join(form.included) or "–"
            missing = ", ".join(f"{name} ({status.lower()})" for name, status in form.missing) or "–"
            sheet.text(row, 4, included, WRAP_TOP)
            sheet.text(row, 5, missing, WRAP_TOP)
            # Wrapped lists of names: give the row the lines they need (60 characters a line).
            lines = max(1, -(-len(included) // 60), -(-len(missing) // 60))
            if lines > 1:
                sheet.height(row, 15 * lines)
        for year in self.report.years[1:]:
            row += 1
            other = self.report.completeness[year]
            sheet.text(row, 1, f"{year}: {other.included_count} van {other.expected_count} aanleveringen opgenomen", MUTED)
        return row + 1

    def _legend(self, sheet: Sheet, row: int) -> int:
        sheet.text(row, 1, "Legenda", HEADING)
        sheet.height(row, HEADING_HEIGHT)
        for symbol, meaning in legend(self.public, self.threshold):
            row += 1
            sheet.text(row, 1, symbol, BOLD)
            sheet.text(row, 2, meaning)
        return row + 1

    # -- chapters ------------------------------------------------------------------------------------

    def _chapter(self, ws: Worksheet, chapter: ChapterReport) -> Sheet:
        edition = self.report.edition
        widest = max([2, *(len(table.columns) + 1 for table in chapter.all_tables)])
        sheet = Sheet(ws, self.formats, [LABEL_WIDTH] + [VALUE_WIDTH] * (widest - 1), repeat=3)
        sheet.text(1, 1, f"{chapter.title} – Mensenhandelmonitor {edition.year}", HEADING)
        sheet.height(1, HEADING_HEIGHT)
        sheet.text(2, 1, f"{self.variant_label} · gegenereerd op {self.generated_at:%d-%m-%Y %H:%M}", MUTED)
        sheet.wrapped(3, completeness_line(self.report.main_completeness), MUTED)
        ws.freeze_panes(3, 1)
        row = 5
        for table in chapter.all_tables:
            start = row
            row = self._table(sheet, row, table)
            sheet.layout.keep(start, row - 1)
        if chapter.empty:
            sheet.wrapped(row, "Geen cijfers aangeleverd voor: " + "; ".join(chapter.empty) + ".", MUTED)
            row += 2
        if chapter.narratives:
            row = self._narratives(sheet, row, chapter, widest)
        return sheet

    def _table(self, sheet: Sheet, row: int, table: Table) -> int:
        sheet.text(row, 1, table.title, HEADING)
        sheet.height(row, HEADING_HEIGHT)
        row += 1
        if table.help_text:
            sheet.wrapped(row, table.help_text, MUTED)
            row += 1
        header_row = row
        sheet.text(row, 1, table.row_header or "Categorie", BOLD, HEADER_FILL, BOTTOM_LINE, WRAP_BOTTOM)
        for column, label in enumerate(table.columns, start=2):
            sheet.text(row, column, label, BOLD, RIGHT, HEADER_FILL, BOTTOM_LINE, WRAP_BOTTOM)
        # Column headers longer than the column (subregions) wrap: give the row their lines.
        lines = max(1, *(-(-len(label) // (VALUE_WIDTH - 2)) for label in table.columns))
        if lines > 1:
            sheet.height(row, 15 * lines)
        last_part_row = None
        charted_hidden = False
        for table_row in table.rows:
            row += 1
            hidden = self._row(sheet, row, table_row)
            if not table_row.is_total and (last_part_row is None or last_part_row == row - 1):
                last_part_row = row
                charted_hidden = charted_hidden or hidden
        row += 1
        for note in table.notes:
            sheet.wrapped(row, f"({note.number}) {note.text}", MUTED)
            row += 1
        # A chart of a table with hidden cells would draw them as 0: the public workbook leaves it out.
        if table.code in MAIN_TABLES and table.chart == "bar" and last_part_row and not charted_hidden:
            self._chart(sheet, table, row, header_row, last_part_row)
            row += CHART_ROWS
        return row + 1

    def _row(self, sheet: Sheet, row: int, table_row: Row) -> bool:
        """Write one row; True when a cell of it is hidden (public)."""
        total = table_row.is_total
        bold, line = (BOLD, TOP_LINE) if total else (None, None)
        sheet.text(row, 1, table_row.label + notes_text(table_row.notes), indent(table_row.level), bold, line)
        hidden = False
        for column, (cell_id, cell, notes) in enumerate(
            zip(table_row.ids, table_row.cells, table_row.cell_notes, strict=True), start=2
        ):
            symbol = self.suppression.symbol(cell_id, self.threshold) if self.public else None
            if symbol is not None:
                hidden = True
                sheet.text(row, column, symbol + notes_text(notes), RIGHT, HIDDEN_FILL, bold, line)
            elif not cell.asked:
                sheet.text(row, column, "n.v.t.", RIGHT, bold, line)
            elif cell.number is None:
                if notes:
                    sheet.text(row, column, notes_text(notes).strip(), RIGHT, bold, line)
                else:
                    sheet.blank(row, column, RIGHT, bold, line)
            else:
                sheet.number(row, column, cell.number, number_format(cell, notes), RIGHT, bold, line)
        return hidden

    def _chart(self, sheet: Sheet, table: Table, row: int, header_row: int, last_part_row: int) -> None:
        """A clustered column chart below the table: a series per year, the categories as text."""
        name = sheet.ws.get_name()
        categories = last_part_row - header_row
        # Many categories: horizontal bars, so their labels stay level and readable.
        horizontal = categories > 5
        chart = self.workbook.add_chart({"type": "bar" if horizontal else "column"})
        for column in range(1, len(table.columns) + 1):
            chart.add_series(
                {
                    "name": [name, header_row - 1, column],
                    "categories": [name, header_row, 0, last_part_row - 1, 0],
                    "values": [name, header_row, column, last_part_row - 1, column],
                    "data_labels": {"value": True, "num_format": NUMBER_FORMAT},
                }
            )
        chart.set_title({"name": table.title, "name_font": {"size": 11, "bold": True}})
        category_axis = {"name": table.row_header or "Categorie"}
        value_axis = {"name": "Aantal", "num_format": NUMBER_FORMAT, "major_gridlines": {"visible": True}}
        if horizontal:
            # A bar chart's category axis is the vertical one; reversed, it reads in the table's order.
            chart.set_x_axis(value_axis)
            chart.set_y_axis({**category_axis, "reverse": True})
        else:
            chart.set_x_axis(category_axis)
            chart.set_y_axis(value_axis)
        chart.set_legend({"position": "bottom"})
        width = int(sum(w * 7 + 5 for w in sheet.layout.widths[: len(table.columns) + 1]))
        chart.set_size({"width": min(width, 720), "height": CHART_HEIGHT})
        sheet.ws.insert_chart(row - 1, 0, chart, {"x_offset": 2, "y_offset": 4, "object_position": 1})
        sheet.last_row = max(sheet.last_row, row + CHART_ROWS - 1)

    def _narratives(self, sheet: Sheet, row: int, chapter: ChapterReport, widest: int) -> int:
        heading_row = row
        sheet.text(row, 1, "Toelichtingen", HEADING)
        sheet.height(row, HEADING_HEIGHT)
        row += 1
        muted = self.formats.get(MUTED)
        wrapped = self.formats.get(WRAP_TOP)
        write, set_row = sheet.ws.write_string, sheet.ws.set_row
        layout = sheet.layout
        # The text wraps in column A, not merged over the figures' columns: merging pads every row
        # with styled blank cells (thousands of narratives at 50 times the region's size).
        per_line = int(LABEL_WIDTH * 1.15)
        for index, narrative in enumerate(chapter.narratives):
            # The heading stays with the first narrative's title and text.
            label_row = heading_row if index == 0 else row
            sheet.text(row, 1, narrative.label, BOLD)
            row += 1
            first = True
            for organisation, text in narrative.texts:
                text = clean_text(text)
                write(row - 1, 0, clean_text(organisation), muted)
                height = 15 * (1 + len(text) // per_line + text.count("\n"))
                write(row, 0, text, wrapped)
                set_row(row, height)
                layout.height(row + 1, height)
                # The name stays with its text; the narrative's title with its first text.
                layout.keep(label_row if first else row, row + 1)
                first = False
                row += 2
            row += 1
        sheet.last_row = max(sheet.last_row, row - 1)
        return row
