"""The template's writing on XlsxWriter's public API: options, formats and a sheet counted from 1.

The layout (`layout.plan`) counts rows and columns from 1, as openpyxl and the upload do; XlsxWriter
counts from 0, so every write goes through `Sheet`, which converts once.

Text is always written with `write_string` and the workbook is opened with string conversion off,
so a text starting with =, +, - or @ (or looking like a number or a link) stays text.
"""


import re

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

# One Format per combination of style parts, as the monitor's workbooks have it.
from apps.monitor.xlsx import Formats

WORKBOOK_OPTIONS = {
    "in_memory": True,  # no temporary files: the workbook is a few tens of kB
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
# Control characters XML (and so Excel) cannot hold: the same set openpyxl refuses on reading.
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean(text: str) -> str:
    return _ILLEGAL_CHARACTERS.sub("", text)


def coordinate(row: int, column: int) -> str:
    """'B6' for row 6, column 2 (both from 1)."""
    return xl_rowcol_to_cell(row - 1, column - 1)


def checked(result: int, what: str) -> None:
    """XlsxWriter refuses a bad option with a warning and a negative result: never hand such a file out."""
    if result is not None and result < 0:
        raise ValueError(f"XlsxWriter refused {what} ({result})")


class Sheet:
    """A worksheet addressed from row 1 and column 1."""

    def __init__(self, ws: Worksheet, formats: Formats) -> None:
        self.ws = ws
        self.formats = formats

    def text(self, row: int, column: int, text: str, *parts: dict | None, num_format: str | None = None) -> None:
        self.ws.write_string(row - 1, column - 1, clean(text), self.formats.get(*parts, num_format=num_format))

    def number(self, row: int, column: int, value: int, *parts: dict | None, num_format: str | None = None) -> None:
        self.ws.write_number(row - 1, column - 1, value, self.formats.get(*parts, num_format=num_format))

    def blank(self, row: int, column: int, *parts: dict | None, num_format: str | None = None) -> None:
        # XlsxWriter skips a blank without a format: there is nothing to write then.
        self.ws.write_blank(row - 1, column - 1, None, self.formats.get(*parts, num_format=num_format))

    def value(self, row: int, column: int, value, *parts: dict | None, num_format: str | None = None) -> None:
        """A number as a number, a text as text, None as a (styled) blank cell."""
        if value is None or value == "":
            self.blank(row, column, *parts, num_format=num_format)
        elif isinstance(value, str):
            self.text(row, column, value, *parts, num_format=num_format)
        else:
            self.number(row, column, value, *parts, num_format=num_format)

    def formula(self, row: int, column: int, formula: str, result, *parts: dict | None, num_format: str | None = None) -> None:
        """A formula with the result it has for the values written (shown until the file is recalculated)."""
        checked(self.ws.write_formula(row - 1, column - 1, formula, self.formats.get(*parts, num_format=num_format), result), "a formula")

    def merged(self, row: int, first: int, last: int, text: str | None, *parts: dict | None, num_format: str | None = None) -> None:
        """Text over several columns of one row; every cell of the range carries the format."""
        cell_format = self.formats.get(*parts, num_format=num_format)
        checked(self.ws.merge_range(row - 1, first - 1, row - 1, last - 1, "", cell_format), "a merged range")
        if text:
            self.ws.write_string(row - 1, first - 1, clean(text), cell_format)

    def widths(self, first: int, last: int, width: float, *, hidden: bool = False) -> None:
        self.ws.set_column(first - 1, last - 1, width, None, {"hidden": True} if hidden else None)

    def height(self, row: int, points: float) -> None:
        self.ws.set_row(row - 1, points)

    def validate(self, ranges: list[str], options: dict) -> None:
        """One data validation over all these ranges ('B6:D10', 'B14', ...)."""
        if ranges:
            # The first range is the call's own; multi_range (all of them) becomes the sqref written.
            checked(self.ws.data_validation(ranges[0], {**options, "multi_range": " ".join(ranges)}), "a validation")

    def highlight(self, ranges: list[str], criteria: str, cell_format: Format) -> None:
        """One conditional format by a formula over these ranges (relative to the first range's first cell)."""
        checked(
            self.ws.conditional_format(
                ranges[0], {"type": "formula", "criteria": criteria, "format": cell_format, "multi_range": " ".join(ranges)}
            ),
            "a conditional format",
        )
