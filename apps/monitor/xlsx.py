"""What the exports share on XlsxWriter's public API: options, text, formats and the print setup.

Text is always written with `write_string`, and the workbooks are opened with
`strings_to_formulas`, `strings_to_numbers` and `strings_to_urls` off, so a text that starts with
=, +, - or @ (or looks like a number or a link) stays text in every code path.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

MAX_TEXT = 32767  # Excel's limit for the text of a cell
# Control characters XML (and so Excel) cannot hold; the tab, line feed and carriage return can stay.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "default_date_format": "dd-mm-yyyy hh:mm",
}

# A4 (XlsxWriter paper 9) in points, with XlsxWriter's default margins (0.7" left/right, 0.75" top/bottom).
A4 = (595.3, 841.9)
MARGIN_SIDES = 2 * 0.7 * 72
MARGIN_ENDS = 2 * 0.75 * 72
DEFAULT_ROW = 15.0  # points, Calibri 11
FIT = 0.95  # LibreOffice and Excel lay text out a little larger than the arithmetic: keep room


def clean_text(text) -> str:
    """Text without control characters that XML cannot hold, at most 32,767 characters long."""
    return ILLEGAL_CHARACTERS.sub("", str(text))[:MAX_TEXT]


def column_points(width: float) -> float:
    """A column's width in points from its width in characters (as Excel converts it, Calibri 11)."""
    return (int(width * 7 + 0.5) + 5) * 0.75


class Formats:
    """One XlsxWriter Format per combination of style parts (dicts that are module constants)."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self._found: dict[tuple, Format] = {}
        self._parts: list[tuple] = []  # keep the parts alive: their id() is the key

    def get(self, *parts: dict | None, num_format: str | None = None) -> Format | None:
        key = (*(id(part) for part in parts if part), num_format)
        found = self._found.get(key)
        if found is None:
            if len(key) == 1 and num_format is None:
                return None
            properties: dict = {}
            for part in parts:
                if part:
                    properties.update(part)
            if num_format is not None:
                properties["num_format"] = num_format
            found = self._found[key] = self.workbook.add_format(properties)
            self._parts.append(parts)
        return found


def header_text(text: str) -> str:
    """Text for a page header or footer: '&' starts a code there."""
    return text.replace("&", "&&")


@dataclass
class PrintLayout:
    """The print setup of a sheet, and page breaks that keep tables, charts and narratives whole.

    Rows are counted from 1 as in the rest of the writer. `keep(first, last)` marks rows that must
    stay on one page (a table with its notes and chart); `height(row, points)` records rows that
    are not the default height. The breaks are computed from the column widths, the orientation and
    the scale that fit-to-width gives, with some room to spare.
    """

    widths: list[float]  # column widths in characters, from column A
    repeat: int = 0  # rows at the top printed on every page
    heights: dict[int, float] = field(default_factory=dict)
    blocks: list[tuple[int, int]] = field(default_factory=list)

    def height(self, row: int, points: float) -> None:
        self.heights[row] = points

    def keep(self, first: int, last: int) -> None:
        self.blocks.append((first, last))

    @property
    def width_points(self) -> float:
        return sum(column_points(w) for w in self.widths)

    @property
    def landscape(self) -> bool:
        """Landscape when portrait would shrink the sheet below 80 %."""
        return (A4[0] - MARGIN_SIDES) / self.width_points < 0.8

    @property
    def scale(self) -> float:
        page_width = (A4[1] if self.landscape else A4[0]) - MARGIN_SIDES
        return min(1.0, page_width / self.width_points)

    def row_height(self, row: int) -> float:
        return self.heights.get(row, DEFAULT_ROW)

    def breaks(self, last_row: int) -> list[int]:
        """Rows (1-based) that start a new page."""
        page = ((A4[0] if self.landscape else A4[1]) - MARGIN_ENDS) / self.scale * FIT
        page -= sum(self.row_height(r) for r in range(1, self.repeat + 1))
        starts = {first: last for first, last in self.blocks}
        result, used, row = [], 0.0, self.repeat + 1
        while row <= last_row:
            last = starts.get(row, row)
            needed = sum(self.row_height(r) for r in range(row, last + 1))
            if used and used + needed > page:
                result.append(row)
                used = 0.0
            used += needed
            if used > page:  # a block taller than a page: it continues on the next ones
                used %= page
            row = last + 1
        return result

    def apply(self, ws: Worksheet, *, last_row: int, header: str, footer: str) -> None:
        """Paper, orientation, print area, fit to width, repeated rows, breaks, header and footer."""
        ws.set_paper(9)
        if self.landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.print_area(0, 0, max(last_row, 1) - 1, len(self.widths) - 1)
        ws.fit_to_pages(1, 0)
        if self.repeat:
            ws.repeat_rows(0, self.repeat - 1)
        breaks = self.breaks(last_row)
        if breaks:
            # XlsxWriter counts rows from 0 and breaks above the row given.
            ws.set_h_pagebreaks([row - 1 for row in breaks])
        ws.set_header(header, {"margin": 0.3})
        ws.set_footer(footer, {"margin": 0.3})


def rows_for(points: float) -> int:
    """How many default rows an object of this height covers."""
    return math.ceil(points / DEFAULT_ROW)
