"""Write a submission's form as an Excel workbook to fill in offline (see the package's docstring)."""


import functools
import io
from copy import copy

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from apps.submissions.forms import MAX_COUNT, MAX_EXPLANATION_LENGTH
from apps.submissions.grid import Axis
from apps.submissions.models import TOTAL, Indicator, Submission
from apps.submissions.selectors import FormContext, load_form_context
from apps.submissions.services import lock_reason
from apps.submissions.workbook.layout import (
    FORMAT_VERSION,
    EXPLANATION_FIRST_ROW,
    EXPLANATION_SHEET,
    INFO_SHEET,
    MAX_TEXT_LENGTH,
    META_SHEET,
    SIGNATURE_KEY,
    TEXT_WIDTH,
    Block,
    InputCell,
    cell_fingerprint,
    excel_text,
    input_cells,
    plan,
    sign_meta,
    stored_normal,
)

_INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_PREVIOUS_FILL = PatternFill("solid", fgColor="EDEDED")
_PREVIOUS_FONT = Font(color="595959", italic=True)
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


@functools.lru_cache(maxsize=64)
def _font(**settings) -> Font:
    """One Font per combination, so that _put's style cache recognises repeated ones (never mutated)."""
    return Font(**settings)


def _put(ws, row: int, column: int, value, **style):
    """Write a value; strings are always stored as text, never as a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    if style:
        # openpyxl hashes every style object on each assignment (most of the download's time); the
        # same combination in the same workbook reuses the style indices the first assignment made.
        cache = ws.parent.__dict__.setdefault("_mhm_style_cache", {})  # indices are per workbook
        key = (tuple(cell._style or ()), *((name, id(setting)) for name, setting in style.items()))
        if (hit := cache.get(key)) is not None:
            cell._style = copy(hit[1])
        else:
            for name, setting in style.items():
                setattr(cell, name, setting)
            # The settings are kept with the entry so that their ids stay theirs.
            cache[key] = (tuple(style.values()), copy(cell._style))
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
            _put(ws, header, 2 + j, col.label, font=_font(bold=True), fill=_HEADER_FILL, alignment=_WRAP_TOP, border=_BOX)
    if year is not None:
        _put(ws, block.title_row, prev, _("Vorig jaar (%(year)s)") % {"year": year}, font=_font(bold=True, color="595959"))
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
        _put(ws, r, 1, row_label, font=_font(bold=row.is_total), alignment=_WRAP_TOP, border=_BOX)
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
            cell.font = _font(bold=row.is_total or col.is_total)
            if year is not None:
                previous = context.previous_values.get((code, *key))
                old = previous.number if previous else None
                shown = old if not is_bool or old is None else ("Ja" if old else "Nee")
                _put(ws, r, prev + j, shown, font=_PREVIOUS_FONT, fill=_PREVIOUS_FILL, border=_BOX)


_CHECK_FONT = Font(color="595959", italic=True)
_MISMATCH_FONT = Font(color="9C0006", bold=True)
_MISMATCH_FILL = PatternFill("solid", fgColor="FFC7CE")


def _coordinate(block: Block, key) -> str:
    r, c = block.cells[key]
    return f"{get_column_letter(c)}{r}"


def _mismatch(total: str, parts: list[str]) -> str:
    """Excel's version of the web form's sum rule: all parts given and unequal, or parts above the total."""
    p = ",".join(parts)
    return f"AND(ISNUMBER({total}),COUNT({p})>0,OR(AND(COUNT({p})={len(parts)},SUM({p})<>{total}),SUM({p})>{total}))"


def _write_checks(ws, block: Block) -> None:
    """Formula cells beside the inputs: each total recomputed from its parts, a mismatch marked ≠.

    They are locked and never read back: the upload reads only the yellow input cells.
    """
    grid = block.grid
    mismatches = []
    if block.check_column and block.header_row:
        _put(ws, block.header_row, block.check_column, _("Som van de delen"), font=_font(bold=True, color="595959"), alignment=_WRAP_TOP)
    for total_key, part_keys in grid.totals:
        total = _coordinate(block, total_key)
        parts = [_coordinate(block, k) for k in part_keys]
        if not parts:
            continue
        p = ",".join(parts)
        if total_key[0] == TOTAL and block.check_row and all(k[1] == total_key[1] for k in part_keys):
            r, c = block.check_row, block.cells[total_key][1]  # a column's sum, under the column
        elif block.check_column:
            r, c = block.cells[total_key][0], block.check_column  # a row's sum, beside the row
        else:
            continue
        cell = ws.cell(row=r, column=c)
        cell.value = f'=IF(COUNT({p})=0,"",IF({_mismatch(total, parts)},"≠ "&SUM({p}),SUM({p})))'
        cell.font = _CHECK_FONT
        cell.number_format = "0"
        cell.alignment = Alignment(horizontal="right")
        ws.conditional_formatting.add(
            cell.coordinate,
            FormulaRule(formula=[f'LEFT({cell.coordinate},1)="≠"'], font=_MISMATCH_FONT, fill=_MISMATCH_FILL),
        )
        mismatches.append(_mismatch(total, parts))
    if block.check_row and mismatches:
        summary = ws.cell(row=block.check_row, column=1)
        summary.value = '=IF(OR({}),"{}","{}")'.format(
            ",".join(mismatches),
            _("Let op: een totaal wijkt af van de som van de delen (≠)"),
            _("Controle: som van de delen"),
        )
        summary.font = _CHECK_FONT
        summary.alignment = _WRAP_TOP
        ws.conditional_formatting.add(
            summary.coordinate,
            FormulaRule(formula=[f'LEFT({summary.coordinate},6)="{_("Let op")}"'], font=_MISMATCH_FONT, fill=_MISMATCH_FILL),
        )


def _write_text_block(ws, block: Block, context: FormContext, year: int | None, dv_text) -> None:
    code = block.grid.indicator.code
    r, c = block.cells[("", "")]
    value = context.values.get((code, "", ""))
    last = c + TEXT_WIDTH - 1
    ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=last)
    for column in range(c, last + 1):
        merged = ws.cell(row=r, column=column)
        merged.protection = _UNLOCKED
        merged.border = _BOX
    cell = _put(ws, r, c, excel_text(stored_normal(Indicator.Kind.TEXT, value)) or None, alignment=_WRAP_TOP, fill=_INPUT_FILL)
    # Text format: whatever is typed here stays text, even when it starts with '='.
    cell.number_format = "@"
    dv_text.add(cell.coordinate)
    ws.row_dimensions[r].height = 110
    _put(ws, r, 1, _("Uw tekst (rechts, in het gele vak)"), font=_font(italic=True, color="595959"), alignment=_WRAP_TOP)
    if year is not None:
        prev = block.previous_column
        previous = context.previous_values.get((code, "", ""))
        _put(ws, block.title_row, prev, _("Vorig jaar (%(year)s)") % {"year": year}, font=_font(bold=True, color="595959"))
        ws.merge_cells(start_row=r, start_column=prev, end_row=r, end_column=prev + TEXT_WIDTH - 1)
        _put(
            ws,
            r,
            prev,
            excel_text(stored_normal(Indicator.Kind.TEXT, previous)) or None,
            font=_PREVIOUS_FONT,
            fill=_PREVIOUS_FILL,
            alignment=_WRAP_TOP,
        )


def _write_info_sheet(ws, submission: Submission, context: FormContext, lock: str | None) -> None:
    ws.title = INFO_SHEET
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 90
    _put(ws, 1, 1, _("Mensenhandelmonitor regio Rotterdam – invulsjabloon"), font=_font(bold=True, size=14))
    rows = [
        (_("Organisatie"), submission.organisation.name),
        (_("Formulier"), submission.form.title),
        (_("Editie"), str(submission.edition.year)),
        (_("Versie bij downloaden"), str(submission.version)),
        (_("Gedownload op"), timezone.localtime().strftime("%d-%m-%Y %H:%M")),
    ]
    r = 3
    for key, value in rows:
        _put(ws, r, 1, key, font=_font(bold=True))
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
        _put(ws, r, 1, _("Let op"), font=_font(bold=True, color="9C0006"))
        _put(ws, r, 2, lock, alignment=Alignment(wrap_text=True, vertical="top"))
    ws.protection.sheet = True


def _text_length_validation(limit: int, message: str) -> DataValidation:
    return DataValidation(
        type="textLength",
        operator="lessThanOrEqual",
        formula1=str(limit),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Tekst te lang"),
        error=message,
    )


def _write_explanation_sheet(wb: Workbook, context: FormContext) -> None:
    """The current warnings with a cell each to explain them offline; read back by the upload.

    Column D holds the warning's key and E a fingerprint of the text as written (both hidden), so
    the upload knows which warning a text belongs to and whether it was changed in the file.
    """
    ws = wb.create_sheet(EXPLANATION_SHEET)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].hidden = True
    ws.column_dimensions["E"].hidden = True
    _put(ws, 1, 1, _("Toelichtingen op waarschuwingen"), font=_font(bold=True, size=14))
    _put(
        ws,
        2,
        1,
        _(
            "Licht elke waarschuwing kort toe in het gele vak (hoogstens 2.000 tekens). Waarschuwingen die pas ontstaan "
            "door cijfers die u in dit bestand wijzigt, ziet u na het uploaden; die licht u toe in het webformulier."
        ),
        font=_font(italic=True, color="595959"),
    )
    for column, heading in enumerate((_("Tabel"), _("Waarschuwing"), _("Uw toelichting")), start=1):
        _put(ws, EXPLANATION_FIRST_ROW - 1, column, heading, font=_font(bold=True), fill=_HEADER_FILL, border=_BOX)
    dv = _text_length_validation(MAX_EXPLANATION_LENGTH, _("Houd de toelichting korter dan 2.000 tekens."))
    warnings = [f for f in context.findings() if not f.is_error]
    if not warnings:
        _put(ws, EXPLANATION_FIRST_ROW, 1, _("Er zijn nu geen waarschuwingen om toe te lichten."), font=_PREVIOUS_FONT)
    for r, finding in enumerate(warnings, start=EXPLANATION_FIRST_ROW):
        grid = context.grids.get(finding.indicator_code)
        stored = context.explanations.get(finding.key)
        text = excel_text(stored.text) if stored else ""
        _put(ws, r, 1, grid.indicator.label if grid else finding.indicator_code, alignment=_WRAP_TOP, border=_BOX)
        _put(ws, r, 2, finding.message, alignment=_WRAP_TOP, border=_BOX)
        cell = _put(ws, r, 3, text or None, alignment=_WRAP_TOP, fill=_INPUT_FILL, border=_BOX)
        cell.protection = _UNLOCKED
        cell.number_format = "@"
        dv.add(cell.coordinate)
        _put(ws, r, 4, finding.key)
        _put(ws, r, 5, cell_fingerprint(Indicator.Kind.TEXT, text))
        ws.row_dimensions[r].height = 45
    if dv.sqref:
        ws.add_data_validation(dv)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


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
    mapping: list[list[str]] = []
    for cell in cells:
        written = stored_normal(cell.kind, context.values.get(cell.cell))
        if cell.kind == Indicator.Kind.TEXT and isinstance(written, str):
            written = excel_text(written)
        mapping.append([cell.address, cell.cell[0], cell.cell[1], cell.cell[2], cell.kind, cell_fingerprint(cell.kind, written)])
    # The file's claims (which submission, which version, what was written) are signed: an edited
    # _meta sheet cannot move the upload to another submission or switch its conflict check off.
    pairs.append((SIGNATURE_KEY, sign_meta(submission_id=submission.pk, version=submission.version, mapping=mapping)))
    for r, (key, value) in enumerate(pairs, start=1):
        _put(ws, r, 1, key)
        _put(ws, r, 2, value)
    r = len(pairs) + 1
    for column, heading in enumerate(("address", "indicator", "row", "col", "kind", "written"), start=1):
        _put(ws, r, column, heading)
    for row in mapping:
        r += 1
        for column, value in enumerate(row, start=1):
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
        dv_text = _text_length_validation(MAX_TEXT_LENGTH, _("Houd de tekst korter dan 10.000 tekens."))
        ws.column_dimensions["A"].width = 48
        widest = 1
        _put(ws, 1, 1, sheet.section_title, font=_font(bold=True, size=14))
        _put(
            ws,
            2,
            1,
            _("%(form)s %(year)s – %(org)s. Vul alleen de gele cellen in. Leeg = onbekend; 0 = bekend dat het er geen zijn.")
            % {"org": submission.organisation.name, "form": submission.form.title, "year": submission.edition.year},
            font=_font(italic=True, color="595959"),
        )
        for block in sheet.blocks:
            indicator = block.grid.indicator
            _put(ws, block.title_row, 1, indicator.label, font=_font(bold=True, size=12))
            if block.help_row:
                _put(ws, block.help_row, 1, indicator.help_text, font=_font(italic=True, color="595959"))
            if block.kind == Indicator.Kind.TEXT:
                _write_text_block(ws, block, context, year, dv_text)
                widest = max(widest, (block.previous_column + TEXT_WIDTH - 1) if year else 1 + TEXT_WIDTH)
            else:
                _write_count_block(ws, block, context, year, dv_count, dv_bool)
                _write_checks(ws, block)
                widest = max(
                    widest,
                    (block.previous_column + len(block.grid.cols) - 1) if year else (block.check_column or 1 + len(block.grid.cols)),
                )
        for column in range(2, widest + 1):
            ws.column_dimensions[get_column_letter(column)].width = 16
        for dv in (dv_count, dv_bool, dv_text):
            if dv.sqref:
                ws.add_data_validation(dv)
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # resizing columns and rows stays possible
        ws.protection.formatRows = False
        ws.freeze_panes = "B1"
    _write_explanation_sheet(wb, context)
    _write_meta_sheet(wb, submission, cells, context)
    wb.security = WorkbookProtection(lockStructure=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def filename(submission: Submission) -> str:
    return f"mensenhandelmonitor-{submission.edition.year}-{submission.organisation.slug}-{submission.form.code}.xlsx"
