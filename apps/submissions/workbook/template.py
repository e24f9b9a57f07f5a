"""Write a submission's form as an Excel workbook to fill in offline (see the package's docstring).

Written with XlsxWriter, the project's writer (openpyxl only reads the filled-in file back): the
same cells, styles, validation and protection as the openpyxl writer it replaced (issue 17), at a
fraction of the time. Numbers are written as numbers, texts with `write_string` (never a formula).
"""


import io

from django.utils import timezone
from django.utils.translation import gettext as _
from xlsxwriter.workbook import Workbook

from apps.submissions.forms import MAX_COUNT, MAX_EXPLANATION_LENGTH
from apps.submissions.models import TOTAL, Indicator, Submission
from apps.submissions.selectors import FormContext, load_form_context
from apps.submissions.services import lock_reason
from apps.submissions.workbook.layout import (
    EXPLANATION_FIRST_ROW,
    EXPLANATION_SHEET,
    FORMAT_VERSION,
    INFO_SHEET,
    MAX_TEXT_LENGTH,
    META_SHEET,
    SIGNATURE_KEY,
    TEXT_WIDTH,
    Block,
    InputCell,
    SheetPlan,
    cell_fingerprint,
    excel_text,
    input_cells,
    plan,
    sign_meta,
    stored_normal,
)
from apps.submissions.workbook.xlsx import WORKBOOK_OPTIONS, Formats, Sheet, coordinate

# Style parts, combined per cell by `Formats` (keyed by identity: module constants only).
_BOLD = {"bold": True}
_TITLE = {"bold": True, "font_size": 14}
_BLOCK_TITLE = {"bold": True, "font_size": 12}
_NOTE = {"italic": True, "font_color": "#595959"}
_NOTE_BOLD = {"bold": True, "font_color": "#595959"}
_WARNING = {"bold": True, "font_color": "#9C0006"}
_HEADER = {"pattern": 1, "bg_color": "#DDE6F0"}
_PREVIOUS = {"italic": True, "font_color": "#595959", "pattern": 1, "bg_color": "#EDEDED"}
_BOX = {"border": 1, "border_color": "#A6A6A6"}
_WRAP_TOP = {"text_wrap": True, "valign": "top"}
_INPUT = {"locked": False, "pattern": 1, "bg_color": "#FFF8DC"}  # the yellow cells, the only ones open
_CHECK = {"italic": True, "font_color": "#595959", "align": "right"}
_MISMATCH = {"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"}  # a conditional format

_COUNT, _BOOLEAN, _TEXT = "count", "boolean", "text"  # the validations of a section sheet
_SUM, _SUMMARY = "sum", "summary"  # the check cells marked red on a mismatch


def _validations() -> dict[str, dict]:
    # Built per download: the messages are translated in the request's language.
    return {
        _COUNT: {
            "validate": "integer",
            "criteria": "between",
            "minimum": 0,
            "maximum": MAX_COUNT,
            "ignore_blank": True,
            "error_type": "stop",
            "error_title": _("Ongeldig aantal"),
            "error_message": _(
                "Vul een heel getal van 0 tot en met 1.000.000 in, of laat de cel leeg als het aantal onbekend is."
            ),
        },
        # Literal Ja/Nee in every language: the cells hold these words and the upload reads them.
        _BOOLEAN: {
            "validate": "list",
            "source": ["Ja", "Nee"],
            "ignore_blank": True,
            "error_title": _("Kies Ja of Nee"),
            "error_message": _("Kies Ja of Nee, of laat de cel leeg als het onbekend is."),
        },
        _TEXT: _text_length(MAX_TEXT_LENGTH, _("Houd de tekst korter dan 10.000 tekens.")),
    }


def _text_length(limit: int, message: str) -> dict:
    return {
        "validate": "length",
        "criteria": "<=",
        "value": limit,
        "ignore_blank": True,
        "error_title": _("Tekst te lang"),
        "error_message": message,
    }


def _area(first_row: int, first_column: int, last_row: int, last_column: int) -> str:
    first, last = coordinate(first_row, first_column), coordinate(last_row, last_column)
    return first if first == last else f"{first}:{last}"


def _write_count_block(sheet: Sheet, block: Block, context: FormContext, year: int | None, ranges: dict) -> None:
    grid, code = block.grid, block.grid.indicator.code
    is_bool = block.kind == Indicator.Kind.BOOLEAN
    header, prev = block.header_row, block.previous_column
    if header is not None:
        sheet.blank(header, 1, _HEADER)
        for j, col in enumerate(grid.cols):
            sheet.text(header, 2 + j, col.label, _BOLD, _HEADER, _WRAP_TOP, _BOX)
    if year is not None:
        sheet.text(block.title_row, prev, _("Vorig jaar (%(year)s)") % {"year": year}, _NOTE_BOLD)
        if header is not None:
            for j, col in enumerate(grid.cols):
                sheet.text(header, prev + j, col.label, _PREVIOUS, _WRAP_TOP, _BOX)
    for i, row in enumerate(grid.rows):
        r = block.first_row + i
        if is_bool:
            row_label = _("Antwoord (Ja of Nee)")
        elif grid.is_single:
            row_label = _("Aantal")
        else:
            row_label = row.label
        sheet.text(r, 1, row_label, _BOLD if row.is_total else None, _WRAP_TOP, _BOX)
        for j, col in enumerate(grid.cols):
            key = (code, row.code, col.code)
            value = context.values.get(key)
            number = value.number if value else None
            bold = _BOLD if row.is_total or col.is_total else None
            if is_bool:
                sheet.value(r, 2 + j, None if number is None else ("Ja" if number else "Nee"), _INPUT, _BOX, bold)
            else:
                sheet.value(r, 2 + j, number, _INPUT, _BOX, bold, num_format="0")
            if year is not None:
                previous = context.previous_values.get(key)
                old = previous.number if previous else None
                sheet.value(r, prev + j, old if not is_bool or old is None else ("Ja" if old else "Nee"), _PREVIOUS, _BOX)
    # The inputs of a table are one rectangle: one range of the sheet's validation.
    last_row = block.first_row + len(grid.rows) - 1
    ranges[_BOOLEAN if is_bool else _COUNT].append(_area(block.first_row, 2, last_row, 1 + len(grid.cols)))


def _mismatch(total: str, parts: list[str]) -> str:
    """Excel's version of the web form's sum rule: all parts given and unequal, or parts above the total."""
    p = ",".join(parts)
    return f"AND(ISNUMBER({total}),COUNT({p})>0,OR(AND(COUNT({p})={len(parts)},SUM({p})<>{total}),SUM({p})>{total}))"


def _sum_check(total: int | None, parts: list[int | None]) -> tuple[int | str, bool]:
    """What the check formula computes for these figures: its result and whether it marks a mismatch."""
    given = [p for p in parts if p is not None]
    if not given:
        return "", False
    total_of_parts = sum(given)
    mismatch = total is not None and ((len(given) == len(parts) and total_of_parts != total) or total_of_parts > total)
    return (f"≠ {total_of_parts}" if mismatch else total_of_parts), mismatch


def _runs(cells: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cells (row, column) as runs down a column or along a row: (first row, first column, last row, last column)."""
    runs: list[list[int]] = []
    for r, c in sorted(cells, key=lambda rc: (rc[1], rc[0])):  # down each column
        if runs and runs[-1][1] == c and runs[-1][2] == r - 1:
            runs[-1][2] = r
        else:
            runs.append([r, c, r, c])
    joined: list[list[int]] = []
    for run in sorted(runs):  # single cells side by side in one row
        last = joined[-1] if joined else None
        if last and run[0] == run[2] == last[0] == last[2] and run[1] == last[3] + 1:
            last[3] = run[1]
        else:
            joined.append(run)
    return [(a, b, c, d) for a, b, c, d in joined]


def _write_checks(sheet: Sheet, block: Block, context: FormContext, marks: dict) -> None:
    """Formula cells beside the inputs: each total recomputed from its parts, a mismatch marked ≠.

    They are locked and never read back: the upload reads only the yellow input cells. Each carries
    the result it has for the figures written, so a program that does not recalculate on opening
    shows the right sums too.
    """
    grid, code = block.grid, block.grid.indicator.code

    def at(key) -> str:
        return coordinate(*block.cells[key])

    def figure(key) -> int | None:
        value = context.values.get((code, *key))
        return value.number if value else None

    mismatches, any_mismatch, written = [], False, []
    if block.check_column and block.header_row:
        sheet.text(block.header_row, block.check_column, _("Som van de delen"), _NOTE_BOLD, _WRAP_TOP)
    for total_key, part_keys in grid.totals:
        if not part_keys:
            continue
        total, parts = at(total_key), [at(k) for k in part_keys]
        if total_key[0] == TOTAL and block.check_row and all(k[1] == total_key[1] for k in part_keys):
            r, c = block.check_row, block.cells[total_key][1]  # a column's sum, under the column
        elif block.check_column:
            r, c = block.cells[total_key][0], block.check_column  # a row's sum, beside the row
        else:
            continue
        p = ",".join(parts)
        result, mismatch = _sum_check(figure(total_key), [figure(k) for k in part_keys])
        sheet.formula(r, c, f'=IF(COUNT({p})=0,"",IF({_mismatch(total, parts)},"≠ "&SUM({p}),SUM({p})))', result, _CHECK, num_format="0")
        written.append((r, c))
        mismatches.append(_mismatch(total, parts))
        any_mismatch = any_mismatch or mismatch
    marks[_SUM].extend(_runs(written))
    if block.check_row and mismatches:
        warning, fine = _("Let op: een totaal wijkt af van de som van de delen (≠)"), _("Controle: som van de delen")
        formula = '=IF(OR({}),"{}","{}")'.format(",".join(mismatches), warning, fine)
        sheet.formula(block.check_row, 1, formula, warning if any_mismatch else fine, _NOTE, _WRAP_TOP)
        marks[_SUMMARY].append((block.check_row, 1, block.check_row, 1))


def _write_text_block(sheet: Sheet, block: Block, context: FormContext, year: int | None, ranges: dict) -> None:
    code = block.grid.indicator.code
    r, c = block.cells[("", "")]
    value = context.values.get((code, "", ""))
    # Text format: whatever is typed here stays text, even when it starts with '='.
    text = excel_text(stored_normal(Indicator.Kind.TEXT, value))
    sheet.merged(r, c, c + TEXT_WIDTH - 1, text, _INPUT, _BOX, _WRAP_TOP, num_format="@")
    ranges[_TEXT].append(coordinate(r, c))
    sheet.height(r, 110)
    sheet.text(r, 1, _("Uw tekst (rechts, in het gele vak)"), _NOTE, _WRAP_TOP)
    if year is not None:
        prev = block.previous_column
        previous = context.previous_values.get((code, "", ""))
        sheet.text(block.title_row, prev, _("Vorig jaar (%(year)s)") % {"year": year}, _NOTE_BOLD)
        old = excel_text(stored_normal(Indicator.Kind.TEXT, previous))
        sheet.merged(r, prev, prev + TEXT_WIDTH - 1, old, _PREVIOUS, _WRAP_TOP)


def _mark_mismatches(sheet: Sheet, marks: dict, mismatch_format) -> None:
    """A ≠ (and a summary's "Let op") in red: one conditional format per kind and column of the sheet.

    Each covers the runs of check cells that start in one column, the topmost first: its formula
    is relative to that run's first cell, which is then the first cell, the first range's corner
    and the whole area's corner at once, so no reading of a relative reference can differ.
    """
    criteria = {_SUM: '=LEFT({},1)="≠"', _SUMMARY: '=LEFT({},6)="%s"' % _("Let op")}
    for kind, runs in marks.items():
        by_column: dict[int, list[tuple[int, int, int, int]]] = {}
        for run in runs:
            by_column.setdefault(run[1], []).append(run)
        for column_runs in by_column.values():
            column_runs.sort()
            first = coordinate(column_runs[0][0], column_runs[0][1])
            sheet.highlight([_area(*run) for run in column_runs], criteria[kind].format(first), mismatch_format)


def _write_section_sheet(sheet: Sheet, plan_: SheetPlan, submission: Submission, context: FormContext, year, mismatch_format) -> None:
    ranges: dict[str, list[str]] = {_COUNT: [], _BOOLEAN: [], _TEXT: []}
    marks: dict[str, list[tuple[int, int, int, int]]] = {_SUM: [], _SUMMARY: []}
    widest = 1
    sheet.text(1, 1, plan_.section_title, _TITLE)
    sheet.text(
        2,
        1,
        _("%(form)s %(year)s – %(org)s. Vul alleen de gele cellen in. Leeg = onbekend; 0 = bekend dat het er geen zijn.")
        % {"org": submission.organisation.name, "form": submission.form.title, "year": submission.edition.year},
        _NOTE,
    )
    for block in plan_.blocks:
        indicator = block.grid.indicator
        sheet.text(block.title_row, 1, indicator.label, _BLOCK_TITLE)
        if block.help_row:
            sheet.text(block.help_row, 1, indicator.help_text, _NOTE)
        if block.kind == Indicator.Kind.TEXT:
            _write_text_block(sheet, block, context, year, ranges)
            widest = max(widest, (block.previous_column + TEXT_WIDTH - 1) if year else 1 + TEXT_WIDTH)
        else:
            _write_count_block(sheet, block, context, year, ranges)
            _write_checks(sheet, block, context, marks)
            columns = len(block.grid.cols)
            widest = max(widest, (block.previous_column + columns - 1) if year else (block.check_column or 1 + columns))
    sheet.widths(1, 1, 48)
    if widest > 1:
        sheet.widths(2, widest, 16)
    for kind, options in _validations().items():
        sheet.validate(ranges[kind], options)
    _mark_mismatches(sheet, marks, mismatch_format)
    sheet.ws.protect("", {"format_columns": True, "format_rows": True})  # resizing columns and rows stays possible
    sheet.ws.freeze_panes(0, 1)  # column A (the labels) stays in view


def _write_info_sheet(sheet: Sheet, submission: Submission, context: FormContext, lock: str | None) -> None:
    sheet.widths(1, 1, 28)
    sheet.widths(2, 2, 90)
    sheet.text(1, 1, _("Mensenhandelmonitor regio Rotterdam – invulsjabloon"), _TITLE)
    rows = [
        (_("Organisatie"), submission.organisation.name),
        (_("Formulier"), submission.form.title),
        (_("Editie"), str(submission.edition.year)),
        (_("Versie bij downloaden"), str(submission.version)),
        (_("Gedownload op"), timezone.localtime().strftime("%d-%m-%Y %H:%M")),
    ]
    r = 3
    for key, value in rows:
        sheet.text(r, 1, key, _BOLD)
        sheet.text(r, 2, value)
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
        sheet.text(r, 1, "•")
        sheet.text(r, 2, line, _WRAP_TOP)
        r += 1
    if context.previous is None:
        r += 1
        sheet.text(r, 2, _("Er zijn geen goedgekeurde cijfers van een eerder jaar om naast te zetten."), _NOTE)
    if lock:
        r += 1
        sheet.text(r, 1, _("Let op"), _WARNING)
        sheet.text(r, 2, lock, _WRAP_TOP)
    sheet.ws.protect()


def _write_explanation_sheet(sheet: Sheet, context: FormContext) -> None:
    """The current warnings with a cell each to explain them offline; read back by the upload.

    Column D holds the warning's key and E a fingerprint of the text as written (both hidden), so
    the upload knows which warning a text belongs to and whether it was changed in the file.
    """
    sheet.widths(1, 1, 36)
    sheet.widths(2, 2, 60)
    sheet.widths(3, 3, 70)
    sheet.widths(4, 5, 8.43, hidden=True)
    sheet.text(1, 1, _("Toelichtingen op waarschuwingen"), _TITLE)
    sheet.text(
        2,
        1,
        _(
            "Licht elke waarschuwing kort toe in het gele vak (hoogstens 2.000 tekens). Waarschuwingen die pas ontstaan "
            "door cijfers die u in dit bestand wijzigt, ziet u na het uploaden; die licht u toe in het webformulier."
        ),
        _NOTE,
    )
    for column, heading in enumerate((_("Tabel"), _("Waarschuwing"), _("Uw toelichting")), start=1):
        sheet.text(EXPLANATION_FIRST_ROW - 1, column, heading, _BOLD, _HEADER, _BOX)
    warnings = [f for f in context.findings() if not f.is_error]
    if not warnings:
        sheet.text(EXPLANATION_FIRST_ROW, 1, _("Er zijn nu geen waarschuwingen om toe te lichten."), _NOTE)
    for r, finding in enumerate(warnings, start=EXPLANATION_FIRST_ROW):
        grid = context.grids.get(finding.indicator_code)
        stored = context.explanations.get(finding.key)
        text = excel_text(stored.text) if stored else ""
        sheet.text(r, 1, grid.indicator.label if grid else finding.indicator_code, _WRAP_TOP, _BOX)
        sheet.text(r, 2, finding.message, _WRAP_TOP, _BOX)
        sheet.value(r, 3, text or None, _WRAP_TOP, _INPUT, _BOX, num_format="@")
        sheet.text(r, 4, finding.key)
        sheet.text(r, 5, cell_fingerprint(Indicator.Kind.TEXT, text))
        sheet.height(r, 45)
    if warnings:
        last = EXPLANATION_FIRST_ROW + len(warnings) - 1
        sheet.validate(
            [_area(EXPLANATION_FIRST_ROW, 3, last, 3)],
            _text_length(MAX_EXPLANATION_LENGTH, _("Houd de toelichting korter dan 2.000 tekens.")),
        )
    sheet.ws.protect("", {"format_columns": True, "format_rows": True})


def _write_meta_sheet(sheet: Sheet, submission: Submission, cells: list[InputCell], context: FormContext) -> None:
    sheet.ws.very_hidden()
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
        sheet.text(r, 1, key)
        sheet.value(r, 2, value)
    r = len(pairs) + 1
    for column, heading in enumerate(("address", "indicator", "row", "col", "kind", "written"), start=1):
        sheet.text(r, column, heading)
    for row in mapping:
        r += 1
        for column, value in enumerate(row, start=1):
            sheet.value(r, column, value)  # an empty row or column code stays an empty cell
    sheet.ws.protect()


def build_template(submission: Submission) -> bytes:
    """The submission's form as an .xlsx workbook with the stored values filled in."""
    context = load_form_context(submission)
    sheets = plan(context)
    year = context.previous.edition.year if context.previous else None

    buffer = io.BytesIO()
    wb = Workbook(buffer, WORKBOOK_OPTIONS)
    formats = Formats(wb)
    mismatch_format = wb.add_format(_MISMATCH)
    _write_info_sheet(Sheet(wb.add_worksheet(INFO_SHEET), formats), submission, context, lock_reason(submission))
    for sheet in sheets:
        _write_section_sheet(Sheet(wb.add_worksheet(sheet.title), formats), sheet, submission, context, year, mismatch_format)
    _write_explanation_sheet(Sheet(wb.add_worksheet(EXPLANATION_SHEET), formats), context)
    _write_meta_sheet(Sheet(wb.add_worksheet(META_SHEET), formats), submission, input_cells(sheets), context)
    wb.close()
    return buffer.getvalue()


def filename(submission: Submission) -> str:
    return f"mensenhandelmonitor-{submission.edition.year}-{submission.organisation.slug}-{submission.form.code}.xlsx"
