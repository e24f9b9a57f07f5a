"""The layout of a form as a workbook, and how a figure is written in it and compared.

Shared by `template` (the download) and `upload` (reading it back): which sheet and cell holds which
figure, the `_meta` sheet's names, and the normal form of a value (so a cell left as downloaded is
recognised as unchanged).
"""


import hashlib
import json
import re
from dataclasses import dataclass, field

from django.core import signing
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from apps.submissions.grid import Grid
from apps.submissions.models import Indicator, Value
from apps.submissions.selectors import CellId, FormContext

FORMAT_VERSION = "mhm-xlsx-2"  # 2: signed _meta, check cells, explanation sheet
META_SHEET = "_meta"
INFO_SHEET = "Uitleg"
EXPLANATION_SHEET = "Toelichtingen"
EXPLANATION_FIRST_ROW = 5
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_TEXT_LENGTH = 10_000  # as the web form's text field
BLANK = "leeg"

_INVALID_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")
TEXT_WIDTH = 5  # a text input spans columns B..F
_SHEET_HEADER_ROWS = 3

# -- layout --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputCell:
    """One input cell of the workbook and the figure it holds."""

    sheet: str
    coordinate: str
    cell: CellId
    kind: str
    label: str

    @property
    def address(self) -> str:
        return f"{self.sheet}!{self.coordinate}"

    def where(self) -> str:
        return _("Blad '%(sheet)s', cel %(cell)s (%(label)s)") % {
            "sheet": self.sheet,
            "cell": self.coordinate,
            "label": self.label,
        }


@dataclass
class Block:
    """Where one indicator sits on its sheet."""

    grid: Grid
    title_row: int
    help_row: int | None = None
    header_row: int | None = None
    first_row: int = 0
    cells: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # key -> (row, column)
    # Formula cells that recompute the totals from their parts (never read back by the upload):
    # a row under a table with a total row, a column beside a table with a total column.
    check_row: int | None = None
    check_column: int | None = None

    @property
    def kind(self) -> str:
        return self.grid.indicator.kind

    @property
    def previous_column(self) -> int:
        """The first column of the grey 'last year' block beside the inputs."""
        if self.kind == Indicator.Kind.TEXT:
            return 2 + TEXT_WIDTH + 1
        return 2 + len(self.grid.cols) + (2 if self.check_column else 1)


@dataclass
class SheetPlan:
    title: str
    section_title: str
    blocks: list[Block]


def cell_label(grid: Grid, key: tuple[str, str]) -> str:
    """'Indicator – row, column' as the web form's change history names a cell."""
    indicator = grid.indicator
    if indicator.kind != Indicator.Kind.COUNT or grid.is_single:
        return indicator.label
    row = next((r.label for r in grid.rows if r.code == key[0] and r.code), "")
    col = next((c.label for c in grid.cols if c.code == key[1] and c.code), "")
    where = ", ".join(part for part in (row, col) if part)
    return f"{indicator.label} – {where}" if where else indicator.label


def _sheet_title(title: str, used: set[str]) -> str:
    """A valid, unique sheet title of at most 31 characters, cut at a word where possible."""
    base = _INVALID_TITLE_CHARS.sub("-", title).strip().strip("'") or _("Onderdeel")
    if len(base) > 31:
        cut = base[:30]
        if " " in cut[10:]:
            cut = cut[: cut.rindex(" ")]
        base = cut.rstrip(" -–,") + "…"
    candidate, n = base, 2
    while candidate.lower() in {u.lower() for u in used}:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate)
    return candidate


def plan(context: FormContext) -> list[SheetPlan]:
    """The position of every label and input; the same for a download and for checking an upload."""
    used = {INFO_SHEET, META_SHEET, EXPLANATION_SHEET, "History"}  # Excel reserves "History"
    sheets = []
    for section, grids in context.sections:
        row = _SHEET_HEADER_ROWS + 1
        blocks = []
        for grid in grids:
            block = Block(grid=grid, title_row=row)
            row += 1
            if grid.indicator.help_text:
                block.help_row = row
                row += 1
            if grid.indicator.kind == Indicator.Kind.TEXT:
                block.first_row = row
                block.cells[("", "")] = (row, 2)
                row += 1
            else:
                if not (grid.is_single or grid.indicator.kind == Indicator.Kind.BOOLEAN):
                    block.header_row = row  # a single figure needs no column headers
                    row += 1
                block.first_row = row
                for i, axis_row in enumerate(grid.rows):
                    for j, axis_col in enumerate(grid.cols):
                        block.cells[(axis_row.code, axis_col.code)] = (row + i, 2 + j)
                row += len(grid.rows)
                if grid.indicator.kind == Indicator.Kind.COUNT and not grid.is_single:
                    if any(r.is_total for r in grid.rows):
                        block.check_row = row
                        row += 1
                    if any(c.is_total for c in grid.cols):
                        block.check_column = 2 + len(grid.cols)
            row += 1  # a blank row between indicators
            blocks.append(block)
        sheets.append(SheetPlan(title=_sheet_title(section.title, used), section_title=section.title, blocks=blocks))
    return sheets


def input_cells(sheets: list[SheetPlan]) -> list[InputCell]:
    result = []
    for sheet in sheets:
        for block in sheet.blocks:
            code = block.grid.indicator.code
            for key, (r, c) in block.cells.items():
                result.append(
                    InputCell(
                        sheet=sheet.title,
                        coordinate=f"{get_column_letter(c)}{r}",
                        cell=(code, *key),
                        kind=block.kind,
                        label=cell_label(block.grid, key),
                    )
                )
    return result


# -- values --------------------------------------------------------------------------------------

Normal = int | str | None  # a count or yes/no as int (None = blank), a text as str ("" = blank)


def normal_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def excel_text(text: str) -> str:
    """Text as it can be stored in a cell (XML forbids some control characters)."""
    return normal_text(ILLEGAL_CHARACTERS_RE.sub("", text))


def stored_normal(kind: str, value: Value | None) -> Normal:
    if kind == Indicator.Kind.TEXT:
        return normal_text(value.text) if value else ""
    return value.number if value else None


def cell_fingerprint(kind: str, normal: Normal) -> str:
    """Short hash of a cell's value as written into the workbook: tells untouched cells apart."""
    payload = json.dumps([kind, normal], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def display(kind: str, normal: Normal) -> str:
    if kind == Indicator.Kind.TEXT:
        if not normal:
            return BLANK
        text = str(normal).replace("\n", " ")
        return text if len(text) <= 120 else text[:117] + "…"
    if normal is None:
        return BLANK
    if kind == Indicator.Kind.BOOLEAN:
        return _("Ja") if normal else _("Nee")
    return str(normal)



# -- the signed part of _meta ----------------------------------------------------------------------

SIGNATURE_KEY = "signature"
_SIGNING_SALT = "mhm.xlsx-meta"


def meta_digest(mapping: list[list[str]]) -> str:
    """A hash of the cell map and the fingerprints of what was written, as the upload reads them back."""
    payload = json.dumps([[str(v) for v in row[:6]] for row in mapping], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def sign_meta(*, submission_id: int, version: int, mapping: list[list[str]]) -> str:
    """What the file may claim, signed with the site's key: the submission, its version and the map."""
    return signing.dumps({"s": submission_id, "v": version, "m": meta_digest(mapping)}, salt=_SIGNING_SALT)


def read_signature(token: str) -> dict | None:
    try:
        payload = signing.loads(token, salt=_SIGNING_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None
