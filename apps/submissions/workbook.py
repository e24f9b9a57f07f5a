"""A submission form as an Excel workbook: download to fill in offline, upload to save.

`build_template` writes one sheet per section, laid out as the web form (labels locked, input cells
open, data validation, last year's approved figures beside in grey) plus a very hidden `_meta`
sheet that says which submission the file belongs to and which cell holds which figure.

`parse_upload` checks an uploaded file without writing anything: size, zip structure (zip bombs
are refused before openpyxl sees them), the `_meta` sheet against this submission, and every input
cell with the same rules and Dutch messages as the web form (`CountField`). It returns the cells to
hand to `services.save_values` and the changes (old -> new) to show before saving.

Only cells the user actually changed in the file are returned: cells left as downloaded keep
whatever is stored now, so a colleague's web edits made after the download are never overwritten
by stale figures from the file; a cell changed both in the file and on the web since the download
is an error (a conflict) that names the cell.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import math
import re
import warnings
import zipfile
from dataclasses import dataclass, field

from django import forms as django_forms
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from apps.submissions.forms import MAX_COUNT, CountField
from apps.submissions.grid import Axis, Grid
from apps.submissions.models import Indicator, Submission, Value
from apps.submissions.selectors import CellId, FormContext, load_form_context
from apps.submissions.services import CellInput, lock_reason

FORMAT_VERSION = "mhm-xlsx-1"
META_SHEET = "_meta"
INFO_SHEET = "Uitleg"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FROM_BYTES = 256 * 1024  # tiny members may compress extremely well; they are harmless
MAX_ZIP_MEMBERS = 2000
MAX_TEXT_LENGTH = 10_000  # as the web form's text field
MAX_LISTED_ERRORS = 200
BLANK = "leeg"

_INVALID_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")
_TEXT_WIDTH = 5  # a text input spans columns B..F
_SHEET_HEADER_ROWS = 3

_INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_PREVIOUS_FILL = PatternFill("solid", fgColor="EDEDED")
_PREVIOUS_FONT = Font(color="595959", italic=True)
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


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

    @property
    def kind(self) -> str:
        return self.grid.indicator.kind

    @property
    def previous_column(self) -> int:
        """The first column of the grey 'last year' block beside the inputs."""
        if self.kind == Indicator.Kind.TEXT:
            return 2 + _TEXT_WIDTH + 1
        return 2 + len(self.grid.cols) + 1


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
    used = {INFO_SHEET, META_SHEET, "History"}  # Excel reserves "History"
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


def _normal_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _excel_text(text: str) -> str:
    """Text as it can be stored in a cell (XML forbids some control characters)."""
    return _normal_text(ILLEGAL_CHARACTERS_RE.sub("", text))


def stored_normal(kind: str, value: Value | None) -> Normal:
    if kind == Indicator.Kind.TEXT:
        return _normal_text(value.text) if value else ""
    return value.number if value else None


def _fingerprint(kind: str, normal: Normal) -> str:
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


# -- download ------------------------------------------------------------------------------------


def _put(ws, row: int, column: int, value, **style):
    """Write a value; strings are always stored as text, never as a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _write_count_block(ws, block: Block, context: FormContext, year: int | None, dv_count, dv_bool) -> None:
    grid, code = block.grid, block.grid.indicator.code
    is_bool = block.kind == Indicator.Kind.BOOLEAN
    cols: list[Axis] = grid.cols
    header = block.header_row
    prev = block.previous_column
    if header is not None:
        _put(ws, header, 1, None, fill=_HEADER_FILL)
        for j, col in enumerate(cols):
            _put(ws, header, 2 + j, col.label, font=Font(bold=True), fill=_HEADER_FILL, alignment=_WRAP_TOP, border=_BOX)
    if year is not None:
        _put(ws, block.title_row, prev, _("Vorig jaar (%(year)s)") % {"year": year}, font=Font(bold=True, color="595959"))
        if header is not None:
            for j, col in enumerate(cols):
                _put(ws, header, prev + j, col.label, font=_PREVIOUS_FONT, fill=_PREVIOUS_FILL, alignment=_WRAP_TOP, border=_BOX)
    for i, row in enumerate(grid.rows):
        r = block.first_row + i
        if is_bool:
            row_label = _("Antwoord (Ja of Nee)")
        elif grid.is_single:
            row_label = _("Aantal")
        else:
            row_label = row.label
        _put(ws, r, 1, row_label, font=Font(bold=row.is_total), alignment=_WRAP_TOP, border=_BOX)
        for j, col in enumerate(cols):
            key = (row.code, col.code)
            value = context.values.get((code, *key))
            cell = ws.cell(row=r, column=2 + j)
            number = value.number if value else None
            if is_bool:
                # Literal Ja/Nee in every language: they must match the list validation.
                cell.value = None if number is None else ("Ja" if number else "Nee")
                if cell.value is not None:
                    cell.data_type = "s"
                dv_bool.add(cell.coordinate)
            else:
                cell.value = number
                cell.number_format = "0"
                dv_count.add(cell.coordinate)
            cell.protection = _UNLOCKED
            cell.fill = _INPUT_FILL
            cell.border = _BOX
            cell.font = Font(bold=row.is_total or col.is_total)
            if year is not None:
                previous = context.previous_values.get((code, *key))
                old = previous.number if previous else None
                shown = old if not is_bool or old is None else ("Ja" if old else "Nee")
                _put(ws, r, prev + j, shown, font=_PREVIOUS_FONT, fill=_PREVIOUS_FILL, border=_BOX)


def _write_text_block(ws, block: Block, context: FormContext, year: int | None, dv_text) -> None:
    code = block.grid.indicator.code
    r, c = block.cells[("", "")]
    value = context.values.get((code, "", ""))
    last = c + _TEXT_WIDTH - 1
    ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=last)
    for column in range(c, last + 1):
        merged = ws.cell(row=r, column=column)
        merged.protection = _UNLOCKED
        merged.border = _BOX
    cell = _put(ws, r, c, _excel_text(stored_normal(Indicator.Kind.TEXT, value)) or None, alignment=_WRAP_TOP, fill=_INPUT_FILL)
    # Text format: whatever is typed here stays text, even when it starts with '='.
    cell.number_format = "@"
    dv_text.add(cell.coordinate)
    ws.row_dimensions[r].height = 110
    _put(ws, r, 1, _("Uw tekst (rechts, in het gele vak)"), font=Font(italic=True, color="595959"), alignment=_WRAP_TOP)
    if year is not None:
        prev = block.previous_column
        previous = context.previous_values.get((code, "", ""))
        _put(ws, block.title_row, prev, _("Vorig jaar (%(year)s)") % {"year": year}, font=Font(bold=True, color="595959"))
        ws.merge_cells(start_row=r, start_column=prev, end_row=r, end_column=prev + _TEXT_WIDTH - 1)
        _put(
            ws,
            r,
            prev,
            _excel_text(stored_normal(Indicator.Kind.TEXT, previous)) or None,
            font=_PREVIOUS_FONT,
            fill=_PREVIOUS_FILL,
            alignment=_WRAP_TOP,
        )


def _write_info_sheet(ws, submission: Submission, context: FormContext, lock: str | None) -> None:
    ws.title = INFO_SHEET
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 90
    _put(ws, 1, 1, _("Mensenhandelmonitor regio Rotterdam – invulsjabloon"), font=Font(bold=True, size=14))
    rows = [
        (_("Organisatie"), submission.organisation.name),
        (_("Formulier"), submission.form.title),
        (_("Editie"), str(submission.edition.year)),
        (_("Versie bij downloaden"), str(submission.version)),
        (_("Gedownload op"), timezone.localtime().strftime("%d-%m-%Y %H:%M")),
    ]
    r = 3
    for key, value in rows:
        _put(ws, r, 1, key, font=Font(bold=True))
        _put(ws, r, 2, value)
        r += 1
    r += 1
    instructions = [
        _("Elk onderdeel van het formulier staat op een eigen blad. Vul alleen de gele cellen in; de rest is beveiligd."),
        _("Leeg = onbekend of niet aangeleverd; 0 = bekend dat het er geen zijn."),
        _("Aantallen zijn hele getallen van 0 tot en met 1.000.000, zonder punt of komma."),
        _("Ja/nee-vragen: kies Ja of Nee, of laat de cel leeg als het onbekend is."),
        _("Grijze cijfers rechts van een tabel zijn de goedgekeurde cijfers van vorig jaar; die worden niet ingelezen."),
        _("Upload het bestand daarna op de pagina van deze aanlevering (knop ‘Ingevuld Excel-bestand uploaden’). U ziet eerst alle wijzigingen; "
          "pas na uw bevestiging wordt er iets opgeslagen."),
        _("Wijzig de namen en volgorde van de bladen niet. Alleen aantallen: nooit persoonsgegevens."),
    ]
    for line in instructions:
        _put(ws, r, 1, "•")
        _put(ws, r, 2, line, alignment=Alignment(wrap_text=True, vertical="top"))
        r += 1
    if context.previous is None:
        r += 1
        _put(ws, r, 2, _("Er zijn geen goedgekeurde cijfers van een eerder jaar om naast te zetten."), font=_PREVIOUS_FONT)
    if lock:
        r += 1
        _put(ws, r, 1, _("Let op"), font=Font(bold=True, color="9C0006"))
        _put(ws, r, 2, lock, alignment=Alignment(wrap_text=True, vertical="top"))
    ws.protection.sheet = True


def _write_meta_sheet(wb: Workbook, submission: Submission, cells: list[InputCell], context: FormContext) -> None:
    ws = wb.create_sheet(META_SHEET)
    ws.sheet_state = "veryHidden"
    pairs = [
        ("format", FORMAT_VERSION),
        ("submission", submission.pk),
        ("organisation", submission.organisation.slug),
        ("organisation_name", submission.organisation.name),
        ("edition", submission.edition.year),
        ("form", submission.form.code),
        ("form_title", submission.form.title),
        ("version", submission.version),
        ("downloaded_at", timezone.now().isoformat()),
        ("cells", len(cells)),
    ]
    for r, (key, value) in enumerate(pairs, start=1):
        _put(ws, r, 1, key)
        _put(ws, r, 2, value)
    r = len(pairs) + 1
    for column, heading in enumerate(("address", "indicator", "row", "col", "kind", "written"), start=1):
        _put(ws, r, column, heading)
    for cell in cells:
        r += 1
        written = stored_normal(cell.kind, context.values.get(cell.cell))
        if cell.kind == Indicator.Kind.TEXT and isinstance(written, str):
            written = _excel_text(written)
        for column, value in enumerate(
            (cell.address, cell.cell[0], cell.cell[1], cell.cell[2], cell.kind, _fingerprint(cell.kind, written)),
            start=1,
        ):
            _put(ws, r, column, value)
    ws.protection.sheet = True


def build_template(submission: Submission) -> bytes:
    """The submission's form as an .xlsx workbook with the stored values filled in."""
    context = load_form_context(submission)
    sheets = plan(context)
    cells = input_cells(sheets)
    year = context.previous.edition.year if context.previous else None

    wb = Workbook()
    _write_info_sheet(wb.active, submission, context, lock_reason(submission))
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        dv_count = DataValidation(
            type="whole",
            operator="between",
            formula1="0",
            formula2=str(MAX_COUNT),
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle=_("Ongeldig aantal"),
            error=_("Vul een heel getal van 0 tot en met 1.000.000 in, of laat de cel leeg als het aantal onbekend is."),
        )
        dv_bool = DataValidation(
            type="list",
            formula1='"Ja,Nee"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Kies Ja of Nee"),
            error=_("Kies Ja of Nee, of laat de cel leeg als het onbekend is."),
        )
        dv_text = DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(MAX_TEXT_LENGTH),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Tekst te lang"),
            error=_("Houd de tekst korter dan 10.000 tekens."),
        )
        ws.column_dimensions["A"].width = 48
        widest = 1
        _put(ws, 1, 1, sheet.section_title, font=Font(bold=True, size=14))
        _put(
            ws,
            2,
            1,
            _("%(form)s %(year)s – %(org)s. Vul alleen de gele cellen in. Leeg = onbekend; 0 = bekend dat het er geen zijn.")
            % {"org": submission.organisation.name, "form": submission.form.title, "year": submission.edition.year},
            font=Font(italic=True, color="595959"),
        )
        for block in sheet.blocks:
            indicator = block.grid.indicator
            _put(ws, block.title_row, 1, indicator.label, font=Font(bold=True, size=12))
            if block.help_row:
                _put(ws, block.help_row, 1, indicator.help_text, font=Font(italic=True, color="595959"))
            if block.kind == Indicator.Kind.TEXT:
                _write_text_block(ws, block, context, year, dv_text)
                widest = max(widest, (block.previous_column + _TEXT_WIDTH - 1) if year else 1 + _TEXT_WIDTH)
            else:
                _write_count_block(ws, block, context, year, dv_count, dv_bool)
                widest = max(widest, (block.previous_column + len(block.grid.cols) - 1) if year else 1 + len(block.grid.cols))
        for column in range(2, widest + 1):
            ws.column_dimensions[get_column_letter(column)].width = 16
        for dv in (dv_count, dv_bool, dv_text):
            if dv.sqref:
                ws.add_data_validation(dv)
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # resizing columns and rows stays possible
        ws.protection.formatRows = False
        ws.freeze_panes = "B1"
    _write_meta_sheet(wb, submission, cells, context)
    wb.security = WorkbookProtection(lockStructure=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def filename(submission: Submission) -> str:
    return f"mensenhandelmonitor-{submission.edition.year}-{submission.organisation.slug}-{submission.form.code}.xlsx"


# -- upload --------------------------------------------------------------------------------------


@dataclass
class UploadResult:
    errors: list[str] = field(default_factory=list)
    cells: dict[CellId, CellInput] = field(default_factory=dict)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    base_version: int | None = None  # the submission's version the changes were computed against
    downloaded_version: int | None = None

    @property
    def is_valid(self) -> bool:
        return not self.errors


class _Refused(Exception):
    """The file as a whole cannot be used; the message says why."""


def _read_limited(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > MAX_UPLOAD_BYTES:
            raise _Refused(_too_big(size))
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _Refused(_too_big(len(data)))
    if not data:
        raise _Refused(_("Het bestand is leeg. Kies het ingevulde Excel-bestand (.xlsx)."))
    return data


def _too_big(size: int) -> str:
    return _(
        "Het bestand is te groot (%(size)s MB); de grens is %(max)s MB. Een ingevuld sjabloon is veel kleiner: "
        "download het sjabloon opnieuw en vul het in."
    ) % {"size": f"{size / 1024 / 1024:.1f}".replace(".", ","), "max": MAX_UPLOAD_BYTES // 1024 // 1024}


def _not_xlsx() -> str:
    return _(
        "Dit is geen Excel-bestand (.xlsx). Download het sjabloon van deze aanlevering, vul het in en sla het op "
        "als Excel-werkmap (.xlsx); een .xls-, .csv- of .ods-bestand werkt niet."
    )


def _broken() -> str:
    return _("Het bestand is beschadigd of geen geldig Excel-bestand. Sla het opnieuw op als Excel-werkmap (.xlsx) of download het sjabloon opnieuw.")


def _check_zip(data: bytes) -> None:
    """Refuse what is not an xlsx, and zip bombs, before any XML is parsed."""
    stream = io.BytesIO(data)
    if not zipfile.is_zipfile(stream):
        # A zip that lost its end (an interrupted download or copy) is broken, not foreign.
        raise _Refused(_broken() if data.startswith(b"PK\x03\x04") else _not_xlsx())
    bomb = _(
        "Het bestand wordt geweigerd: uitgepakt zou het onredelijk groot worden (meer dan %(max)s MB). "
        "Een ingevuld sjabloon is veel kleiner; download het sjabloon opnieuw."
    ) % {"max": MAX_UNCOMPRESSED_BYTES // 1024 // 1024}
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise _Refused(bomb)
            total = 0
            for info in members:
                total += info.file_size
                if total > MAX_UNCOMPRESSED_BYTES:
                    raise _Refused(bomb)
                if info.file_size >= RATIO_CHECK_FROM_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
                    info.compress_size, 1
                ):
                    raise _Refused(bomb)
            names = {info.filename for info in members}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise _Refused(_not_xlsx())
            # Read every member once (bounded by the declared sizes checked above): this verifies the
            # checksums and refuses XML with a DOCTYPE, which a real workbook never has.
            for info in members:
                is_xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
                with archive.open(info) as member:
                    tail = b""
                    while chunk := member.read(64 * 1024):
                        window = (tail + chunk).upper()
                        if is_xml and (b"<!DOCTYPE" in window or b"<!ENTITY" in window):
                            raise _Refused(_broken())
                        tail = chunk[-16:]
    except _Refused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, RuntimeError, ValueError):
        raise _Refused(_broken()) from None


def _open(data: bytes, *, data_only: bool):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on broken files
        raise _Refused(_broken()) from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _read_meta(wb) -> tuple[dict[str, str], list[list[str]]]:
    if META_SHEET not in wb.sheetnames:
        raise _Refused(
            _(
                "Dit bestand is geen sjabloon van de Mensenhandelmonitor: het verborgen blad met de gegevens van de "
                "aanlevering ontbreekt. Download het sjabloon van deze aanlevering, vul dat in en upload het."
            )
        )
    ws = wb[META_SHEET]
    pairs: dict[str, str] = {}
    mapping: list[list[str]] = []
    in_mapping = False
    try:
        for row in ws.iter_rows(min_row=1, max_row=50_000, max_col=6, values_only=True):
            values = [_text(v) for v in row] + [""] * (6 - len(row))
            if not in_mapping:
                if values[0] == "address":
                    in_mapping = True
                elif values[0]:
                    pairs[values[0]] = values[1]
            elif values[0]:
                mapping.append(values[:6])
    except Exception:  # noqa: BLE001 - read-only sheets parse lazily: broken XML surfaces here
        raise _Refused(_broken()) from None
    return pairs, mapping


def _check_meta(submission: Submission, pairs: dict[str, str], mapping: list[list[str]], cells: list[InputCell]) -> int:
    """Check the file belongs to this submission and its layout; return the version at download."""
    if pairs.get("format") != FORMAT_VERSION:
        raise _Refused(
            _("Dit sjabloon heeft een onbekende of verouderde opmaak. Download een nieuw sjabloon van deze aanlevering.")
        )
    mismatches = []
    if pairs.get("form") != submission.form.code:
        mismatches.append(_("een ander formulier"))
    if pairs.get("organisation") != submission.organisation.slug:
        mismatches.append(_("een andere organisatie"))
    if pairs.get("edition") != str(submission.edition.year):
        mismatches.append(_("een andere editie"))
    if not mismatches and pairs.get("submission") != str(submission.pk):
        mismatches.append(_("een andere aanlevering"))
    if mismatches:
        what = mismatches[0] if len(mismatches) == 1 else ", ".join(mismatches[:-1]) + _(" en ") + mismatches[-1]
        raise _Refused(
            _(
                "Dit sjabloon hoort bij %(what)s: het is van %(their_org)s, formulier ‘%(their_form)s’, editie "
                "%(their_year)s. Deze aanlevering is van %(org)s, formulier ‘%(form)s’, editie %(year)s. Download "
                "het sjabloon van deze aanlevering en upload dat; er is niets gewijzigd."
            )
            % {
                "what": what,
                "their_org": pairs.get("organisation_name") or pairs.get("organisation") or "?",
                "their_form": pairs.get("form_title") or pairs.get("form") or "?",
                "their_year": pairs.get("edition") or "?",
                "org": submission.organisation.name,
                "form": submission.form.title,
                "year": submission.edition.year,
            }
        )
    expected = [[c.address, c.cell[0], c.cell[1], c.cell[2], c.kind] for c in cells]
    if [m[:5] for m in mapping] != expected:
        raise _Refused(
            _(
                "Dit sjabloon past niet meer bij het formulier: het formulier is gewijzigd sinds het downloaden, of "
                "het sjabloon is aangepast. Download een nieuw sjabloon en neem uw cijfers daarin over."
            )
        )
    try:
        return int(pairs.get("version", ""))
    except ValueError:
        raise _Refused(_broken()) from None


def _sheet_values(wb, cells: list[InputCell], *, formulas: bool) -> dict[str, object]:
    """{address: value} (or, with formulas=True, {address: True} for cells holding a formula)."""
    by_sheet: dict[str, dict[tuple[int, int], InputCell]] = {}
    for cell in cells:
        ws_cells = by_sheet.setdefault(cell.sheet, {})
        r, c = _split(cell.coordinate)
        ws_cells[(r, c)] = cell
    result: dict[str, object] = {}
    for title, wanted in by_sheet.items():
        if title not in wb.sheetnames:
            raise _Refused(
                _(
                    "Blad '%(sheet)s' ontbreekt in het bestand. Bladen mogen niet worden hernoemd of verwijderd; "
                    "download een nieuw sjabloon."
                )
                % {"sheet": title}
            )
        ws = wb[title]
        max_row = max(r for r, __ in wanted)
        max_col = max(c for __, c in wanted)
        try:
            for r, row in enumerate(ws.iter_rows(min_row=1, max_row=max_row, min_col=1, max_col=max_col), start=1):
                for c, cell in enumerate(row, start=1):
                    target = wanted.get((r, c))
                    if target is None:
                        continue
                    if formulas:
                        result[target.address] = getattr(cell, "data_type", None) == "f"
                    else:
                        result[target.address] = cell.value
        except Exception:  # noqa: BLE001 - read-only sheets parse lazily: broken XML surfaces here
            raise _Refused(_broken()) from None
    return result


def _split(coordinate: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(coordinate)
    return row, column_index_from_string(letters)


_count_field = CountField()


def _parse_value(kind: str, value) -> Normal:
    """Parse one cell with the web form's rules; raises ValidationError with the web form's message."""
    if kind != Indicator.Kind.TEXT and isinstance(value, str) and value.strip() in ERROR_CODES:
        raise django_forms.ValidationError(_("De cel bevat een Excel-foutwaarde (%(v)s). Vul een getal in.") % {"v": value})
    if kind == Indicator.Kind.TEXT:
        text = _normal_text(_text(value))
        if len(text) > MAX_TEXT_LENGTH:
            raise django_forms.ValidationError(_("Houd de tekst korter dan 10.000 tekens."))
        return text
    if kind == Indicator.Kind.BOOLEAN:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            return int(value)
        word = _text(value).strip().lower()
        if word in {"ja", "yes", "1", "waar", "true"}:
            return 1
        if word in {"nee", "no", "0", "onwaar", "false"}:
            return 0
        raise django_forms.ValidationError(_("Kies Ja of Nee, of laat de cel leeg als het onbekend is."))
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value):
        # Excel stores every number as a float: 12.0 is 12, 12.5 is not a whole number.
        raw = str(int(value)) if value.is_integer() else repr(value)
    else:
        raw = _text(value)
    return _count_field.to_python(raw)


def _messages(error: django_forms.ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def parse_upload(submission: Submission, file) -> UploadResult:
    """Check an uploaded workbook against this submission; never writes anything."""
    result = UploadResult()
    try:
        data = _read_limited(file)
        _check_zip(data)
        context = load_form_context(submission)
        cells = input_cells(plan(context))
        wb = _open(data, data_only=True)
        try:
            pairs, mapping = _read_meta(wb)
            downloaded = _check_meta(submission, pairs, mapping, cells)
            values = _sheet_values(wb, cells, formulas=False)
        finally:
            wb.close()
        wb = _open(data, data_only=False)
        try:
            has_formula = _sheet_values(wb, cells, formulas=True)
        finally:
            wb.close()
    except _Refused as refused:
        result.errors.append(str(refused))
        return result

    result.downloaded_version = downloaded
    result.base_version = submission.version
    written = {m[0]: m[5] for m in mapping}
    kept: list[str] = []
    errors: list[str] = []
    for cell in cells:
        value = values.get(cell.address)
        if has_formula.get(cell.address) and value is None:
            errors.append(
                f"{cell.where()}: "
                + _("de cel bevat een formule zonder berekende uitkomst. Typ het getal of de tekst zelf in.")
            )
            continue
        try:
            mine = _parse_value(cell.kind, value)
        except django_forms.ValidationError as error:
            errors.append(f"{cell.where()}: {_messages(error)}")
            continue
        if _fingerprint(cell.kind, mine) == written.get(cell.address):
            continue  # left as downloaded: what is stored now stays
        stored = context.values.get(cell.cell)
        current = stored_normal(cell.kind, stored)
        if mine == current:
            continue
        if stored is not None and stored.changed_in_version > downloaded:
            errors.append(
                f"{cell.where()}: "
                + _(
                    "is na het downloaden van het sjabloon door iemand anders gewijzigd in ‘%(now)s’, en in uw "
                    "bestand staat ‘%(mine)s’. Kies de juiste waarde in het webformulier, of download het sjabloon "
                    "opnieuw en vul deze cel daarin in."
                )
                % {"now": display(cell.kind, current), "mine": display(cell.kind, mine)}
            )
            continue
        comment = stored.comment if stored else ""
        if cell.kind == Indicator.Kind.TEXT:
            result.cells[cell.cell] = CellInput(text=str(mine), comment=comment)
        else:
            result.cells[cell.cell] = CellInput(number=mine, comment=comment)  # type: ignore[arg-type]
        result.changes.append((cell.label, display(cell.kind, current), display(cell.kind, mine)))

    if len(errors) > MAX_LISTED_ERRORS:
        hidden = len(errors) - MAX_LISTED_ERRORS
        errors = errors[:MAX_LISTED_ERRORS] + [_("… en nog %(n)s fouten.") % {"n": hidden}]
    result.errors = errors
    if errors:
        result.cells, result.changes = {}, []
        return result
    if downloaded != submission.version:
        for cell in cells:
            stored = context.values.get(cell.cell)
            if stored is not None and stored.changed_in_version > downloaded and cell.cell not in result.cells:
                kept.append(cell.label)
        if kept:
            result.notes.append(
                _(
                    "Na het downloaden van het sjabloon zijn %(n)s cel(len) op de website gewijzigd die u in het bestand "
                    "niet hebt veranderd; die blijven zoals ze nu zijn: %(list)s."
                )
                % {"n": len(kept), "list": "; ".join(kept[:20]) + (" …" if len(kept) > 20 else "")}
            )
    return result


def figures_after(context: FormContext, cells: dict[CellId, CellInput]):
    """The counts as they would be after saving these cells (for the rules' findings in the preview)."""
    figures = dict(context.figures())
    for cell, given in cells.items():
        grid = context.grids.get(cell[0])
        if grid is not None and grid.indicator.kind == Indicator.Kind.COUNT:
            figures[cell] = given.number
    return figures
