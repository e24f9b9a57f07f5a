"""Fast worksheets for the exports: openpyxl write-only workbooks with a lean row writer.

openpyxl spends most of an export on its object model, not on XML: a `Cell` per styled cell (and,
in write-only mode, an exception per styled cell appended), a `RowDimension` per row height, a
`CellRange` and a `MergeCell` per merged range, and in normal mode `merge_cells` even checks every
new range against all earlier ones (quadratic: 16 s of an 18 s export with 1,000 organisations).

Here a sheet is laid out in a `SheetBuffer` (plain lists) or streamed as plain lines
(`plain_rows`), and `SheetWriter`, a subclass of openpyxl's own worksheet writer, writes the rows
and merged ranges as XML text, the same XML openpyxl writes for those cells (inline strings,
`t="n"` numbers, style ids from the workbook's own style table). Everything else (columns, panes,
charts, the package, styles.xml) is openpyxl's, unchanged. The writer hooks into two private parts
of openpyxl (`openpyxl.worksheet._writer.WorksheetWriter` and `WriteOnlyWorksheet._writer`);
`tests/monitor/test_exports.py` writes the same cells through openpyxl's public API and compares
the two cell by cell, so an openpyxl upgrade that changes them fails a test, not a download.

Text is always stored as text, never as a formula or an error code, whatever it starts with.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from lxml.etree import tostring
from openpyxl import LXML
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.constants import SHEET_MAIN_NS

MAX_TEXT = 32767  # Excel's limit for the text of a cell; openpyxl truncates to it as well

# A buffered cell: [value, is_text, font, fill, border, alignment, number_format].
VALUE, IS_TEXT, FONT, FILL, BORDER, ALIGNMENT, NUMFMT = range(7)


def clean_text(text) -> str:
    """Text without the control characters that XML (and so Excel) cannot hold, at most 32,767 long."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(text))[:MAX_TEXT]


class Styles:
    """The style id of each combination of font, fill, border, alignment and number format.

    Assigning a Font or a Fill to an openpyxl cell hashes the whole object to find its index, for
    every cell. Here each combination is resolved once per workbook through a prototype cell (the
    style objects are module constants, so their identity is the key).
    """

    def __init__(self) -> None:
        self._ids: dict[tuple, tuple[str | None, tuple]] = {}

    def id(
        self,
        ws: WriteOnlyWorksheet,
        font: Font | None,
        fill: PatternFill | None,
        border: Border | None,
        alignment: Alignment | None,
        number_format: str | None,
    ) -> str | None:
        """The cell style id as openpyxl writes it (`s="…"`), or None for the default style."""
        key = (id(font), id(fill), id(border), id(alignment), number_format)
        found = self._ids.get(key)
        if found is None:
            proto = Cell(ws)
            if font is not None:
                proto.font = font
            if fill is not None:
                proto.fill = fill
            if border is not None:
                proto.border = border
            if alignment is not None:
                proto.alignment = alignment
            if number_format is not None:
                proto.number_format = number_format
            style_id = str(proto.style_id) if proto.has_style else None
            # Keep the style objects alive with their id, so that id() stays theirs.
            found = self._ids[key] = (style_id, (font, fill, border, alignment))
        return found[0]


class SheetBuffer:
    """A sheet laid out by (row, column); `close()` hands it to a `SheetWriter` for the workbook's save."""

    def __init__(self, ws: WriteOnlyWorksheet, styles: Styles) -> None:
        self.ws = ws
        self.styles = styles
        self.rows: dict[int, dict[int, list]] = {}
        self.heights: dict[int, float] = {}
        self.merges: list[tuple[int, int, int]] = []  # (row, first column, last column)
        self.lines: dict[int, tuple[float | None, list]] = {}  # rows of one text cell in column A, ready

    def at(self, row: int, column: int) -> list:
        cells = self.rows.get(row)
        if cells is None:
            cells = self.rows[row] = {}
        spec = cells.get(column)
        if spec is None:
            spec = cells[column] = [None, False, None, None, None, None, None]
        return spec

    def text(self, row: int, column: int, text, font: Font | None = None) -> list:
        """Text as text: a leading =, +, - or @ never turns it into a formula."""
        spec = self.at(row, column)
        spec[VALUE], spec[IS_TEXT] = clean_text(text), True
        if font is not None:
            spec[FONT] = font
        return spec

    def value(self, row: int, column: int, value: int | datetime.datetime, number_format: str | None = None) -> list:
        spec = self.at(row, column)
        spec[VALUE], spec[IS_TEXT] = value, False
        if number_format is not None:
            spec[NUMFMT] = number_format
        return spec

    def style(self, *, font: Font | None = None, alignment: Alignment | None = None) -> str | None:
        """The style id of a font and alignment, for `line`."""
        return self.styles.id(self.ws, font, None, None, alignment, None)

    def line(self, row: int, text, *, style: str | None = None, height: float | None = None, merge_to: int = 1) -> None:
        """A row holding one text in column A, ready to write: the cell `text()` (with `merge` and
        `height`) would make, without its bookkeeping (narratives: thousands of rows)."""
        if row in self.rows or row in self.heights or row in self.lines:
            raise ValueError(f"Row {row} is laid out already.")
        self.lines[row] = (height, [(f"A{row}", style, clean_text(text), True)])
        if merge_to > 1:
            self.merges.append((row, 1, merge_to))

    def merge(self, *, row: int, start_column: int, end_column: int) -> None:
        self.merges.append((row, start_column, end_column))

    def height(self, row: int, height: float) -> None:
        self.heights[row] = height

    def close(self) -> None:
        """Set column widths, panes and charts on `ws` before: the top of the sheet is written now."""
        merges = [f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}" for row, first, last in self.merges]
        install(self.ws, SheetWriter(self.ws, self._rows(), merges, dimension=self.dimension()))

    def dimension(self) -> str:
        """The used range, as openpyxl computes it for a normal worksheet (`calculate_dimension`)."""
        rows = set(self.rows) | set(self.lines) | {row for row, __, __ in self.merges}
        columns = {column for cells in self.rows.values() for column in cells} | ({1} if self.lines else set())
        columns |= {column for __, first, last in self.merges for column in (first, last)}
        if not rows or not columns:
            return "A1:A1"
        return f"{get_column_letter(min(columns))}{min(rows)}:{get_column_letter(max(columns))}{max(rows)}"

    def _rows(self) -> Iterator[tuple[int, float | None, list[tuple[str, str | None, object, bool]]]]:
        """(row, height, [(coordinate, style id, value, is text)]) in order."""
        styles, ws, lines = self.styles, self.ws, self.lines
        for index in sorted(self.rows.keys() | self.heights.keys() | lines.keys()):
            if index in lines:
                yield index, *lines[index]
                continue
            number = str(index)
            cells = []
            for column, spec in sorted(self.rows.get(index, {}).items()):
                value, is_text, font, fill, border, alignment, number_format = spec
                style = styles.id(ws, font, fill, border, alignment, number_format)
                if value is None and style is None:
                    continue  # openpyxl writes no empty cell without a style either
                cells.append((get_column_letter(column) + number, style, value, is_text))
            yield index, self.heights.get(index), cells


def plain_rows(
    ws: WriteOnlyWorksheet, lines: Iterable[list], *, styles: Styles, header_font: Font | None = None
) -> Iterator[tuple[int, None, list[tuple[str, str | None, object, bool]]]]:
    """Rows of plain values (text, numbers, None for an empty cell) for `SheetWriter`, streamed.

    Every str is text, also one that starts with '=' or is an error code; the first line can have
    a font (a header).
    """
    letters: list[str] = []
    header = styles.id(ws, header_font, None, None, None, None) if header_font is not None else None
    seen: dict[str, str] = {}  # names, codes and labels repeat on every line: clean each once
    for index, line in enumerate(lines, start=1):
        number = str(index)
        style = header if index == 1 else None
        while len(letters) < len(line):
            letters.append(get_column_letter(len(letters) + 1))
        cells = []
        for column, value in enumerate(line):
            if value is None:
                continue
            if value.__class__ is str:
                text = seen.get(value)
                if text is None:
                    text = clean_text(value)
                    if len(seen) < 50_000:
                        seen[value] = text
                cells.append((letters[column] + number, style, text, True))
            else:
                cells.append((letters[column] + number, style, value, False))
        yield index, None, cells


def install(ws: WriteOnlyWorksheet, writer: SheetWriter) -> None:
    """Let `writer` write the worksheet's rows when the workbook is saved (instead of `ws.append`)."""
    if ws._writer is not None or ws._rows is not None:
        raise RuntimeError(f"Worksheet {ws.title!r} has been written to already.")
    ws._writer = writer
    writer.write_top()


class SheetWriter(WorksheetWriter):
    """openpyxl's worksheet writer, with the rows and merged ranges written straight as XML text.

    openpyxl streams a sheet through lxml's incremental writer, an element (or an element context)
    per cell, which costs far more than the cell itself. Here the stream is a plain file: whatever
    openpyxl writes before and after the rows (columns, panes, drawings, margins) is serialised
    element by element exactly as lxml's writer does, and the rows are joined as text. Text is
    escaped as lxml escapes it (&, <, > and carriage returns) and written as ASCII with character
    references, as openpyxl's writer does.
    """

    def __init__(
        self, ws: WriteOnlyWorksheet, rows: Iterable, merges: list[str] | None = None, *, dimension: str | None = None
    ) -> None:
        if not LXML:
            raise RuntimeError("The exports need openpyxl's lxml mode (lxml installed, OPENPYXL_LXML not False).")
        self._source = rows
        self._merges = merges or []
        self._dimension = dimension
        super().__init__(ws)

    def get_stream(self):
        """Like openpyxl's: elements sent in are serialised; `send(True)` lends the file for the rows."""
        with open(self.out, "wb") as out:
            out.write(b'<worksheet xmlns="' + SHEET_MAIN_NS.encode() + b'">')
            try:
                while True:
                    element = yield
                    if element is True:
                        yield out
                    elif element is not None:
                        out.write(tostring(element))
            except GeneratorExit:
                pass
            out.write(b"</worksheet>")

    def write_dimensions(self) -> None:
        if self._dimension is not None:
            self.xf.send(SheetDimension(self._dimension).to_tree())

    def write_rows(self) -> None:
        epoch = self.ws.parent.epoch
        out = self.xf.send(True)
        parts: list[str] = ["<sheetData>"]
        append = parts.append
        for index, height, cells in self._source:
            if height is None:
                append(f'<row r="{index}">')
            else:
                append(f'<row r="{index}" ht="{safe_string(height)}" customHeight="1">')
            for coordinate, style, value, is_text in cells:
                head = f'<c r="{coordinate}" s="{style}"' if style is not None else f'<c r="{coordinate}"'
                if is_text:
                    if not value:
                        append(head + ' t="inlineStr"/>')
                    elif value != value.strip():
                        append(head + ' t="inlineStr"><is><t xml:space="preserve">' + escape(value) + "</t></is></c>")
                    else:
                        append(head + ' t="inlineStr"><is><t>' + escape(value) + "</t></is></c>")
                elif value is None:
                    append(head + ' t="n"/>')
                else:
                    append(head + ' t="n"><v>' + number_text(value, epoch) + "</v></c>")
            append("</row>")
            if len(parts) > 4096:
                out.write("".join(parts).encode("ascii", "xmlcharrefreplace"))
                parts.clear()
        append("</sheetData>")
        out.write("".join(parts).encode("ascii", "xmlcharrefreplace"))
        self.xf.send(None)

    def write_merged_cells(self) -> None:
        """The merged ranges as text, as lxml serialises them (one per narrative: thousands)."""
        if self._merges:
            out = self.xf.send(True)
            refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in self._merges)
            out.write(f'<mergeCells count="{len(self._merges)}">{refs}</mergeCells>'.encode("ascii"))
            self.xf.send(None)


def escape(text: str) -> str:
    """Text content as lxml escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def number_text(value, epoch) -> str:
    if value.__class__ is int:
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return safe_string(to_excel(value, epoch))
    if isinstance(value, float) and not isinstance(value, bool):
        return safe_string(value)
    raise TypeError(f"Not a number for a cell: {value!r}")
