"""The Excel template checks its totals with formulas and lets warnings be explained offline (issue 16)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from apps.submissions import workbook
from apps.submissions.selectors import load_form_context
from apps.submissions.workbook.layout import plan

GESPREKKEN = "pol_informatieve_gesprekken"


def _block(submission, code):
    for sheet in plan(load_form_context(submission)):
        for block in sheet.blocks:
            if block.grid.indicator.code == code:
                return sheet, block
    raise AssertionError(code)


def _at(block, key) -> str:
    from openpyxl.utils import get_column_letter

    r, c = block.cells[key]
    return f"{get_column_letter(c)}{r}"


def test_it_recomputes_a_column_total_from_its_parts_with_a_formula(police_2024):
    sheet, block = _block(police_2024, GESPREKKEN)
    ws = load_workbook(io.BytesIO(workbook.build_template(police_2024)))[sheet.title]
    parts = ",".join(_at(block, (row, "minderjarig")) for row in ("seksueel", "arbeid", "crimineel", "overig"))
    total = _at(block, ("_total", "minderjarig"))
    check = ws.cell(row=block.check_row, column=block.cells[("_total", "minderjarig")][1]).value
    assert check.startswith("=IF(") and f"SUM({parts})" in check and f"ISNUMBER({total})" in check
    assert '"≠ "' in check  # a mismatch shows as ≠ with the sum


def test_it_recomputes_a_row_total_beside_the_row(police_2024):
    sheet, block = _block(police_2024, GESPREKKEN)
    ws = load_workbook(io.BytesIO(workbook.build_template(police_2024)))[sheet.title]
    row = block.cells[("arbeid", "_total")][0]
    check = ws.cell(row=row, column=block.check_column).value
    parts = ",".join(_at(block, ("arbeid", col)) for col in ("minderjarig", "meerderjarig"))
    assert f"SUM({parts})" in check and _at(block, ("arbeid", "_total")) in check


def test_it_summarises_the_checks_of_a_table_in_one_cell(police_2024):
    sheet, block = _block(police_2024, GESPREKKEN)
    ws = load_workbook(io.BytesIO(workbook.build_template(police_2024)))[sheet.title]
    summary = ws.cell(row=block.check_row, column=1).value
    assert summary.startswith("=IF(OR(") and "Let op: een totaal wijkt af" in summary
    assert summary.count("AND(ISNUMBER(") == len(block.grid.totals)


def test_it_never_reads_the_check_cells_back(police_2024):
    data = workbook.build_template(police_2024)
    result = workbook.parse_upload(police_2024, data)
    assert result.is_valid and result.cells == {}


# -- explaining warnings offline -------------------------------------------------------------------

PARTS = "pol_onderzoeken_273f"


def _with_a_warning(submission, user):
    from apps.submissions import services

    services.save_values(
        submission_id=submission.pk, user=user,
        cells={(PARTS, "seksueel", ""): services.CellInput(number=9), (PARTS, "_total", ""): services.CellInput(number=5)},
        explanations={}, base_version=submission.version,
    )
    submission.refresh_from_db()
    # One mismatch gives one warning (a part above its total), whatever its kind.
    sum_key = next(f.key for f in load_form_context(submission).findings() if not f.is_error and f.key.split(":")[1] == PARTS)
    return sum_key


def _explain(data: bytes, texts: dict[str, str]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[workbook.layout.EXPLANATION_SHEET]
    for row in ws.iter_rows(min_row=workbook.layout.EXPLANATION_FIRST_ROW):
        if row[3].value in texts:
            row[2].value = texts[row[3].value]
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_it_lists_the_current_warnings_with_a_cell_to_explain_each(police_2024, politie_coordinator):
    key = _with_a_warning(police_2024, politie_coordinator)
    ws = load_workbook(io.BytesIO(workbook.build_template(police_2024)))[workbook.layout.EXPLANATION_SHEET]
    rows = {row[3]: row for row in ws.iter_rows(min_row=workbook.layout.EXPLANATION_FIRST_ROW, values_only=True) if row[3]}
    assert key in rows and "groter dan het totaal" in rows[key][1]
    assert ws.cell(row=workbook.layout.EXPLANATION_FIRST_ROW, column=3).protection.locked is False


def test_it_saves_an_explanation_typed_in_the_workbook(client, police_2024, politie_coordinator):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    key = _with_a_warning(police_2024, politie_coordinator)
    data = _explain(workbook.build_template(police_2024), {key: "Eén onderzoek telt voor twee vormen."})
    client.force_login(politie_coordinator)
    preview = client.post(
        reverse("submission_upload", args=[police_2024.pk]),
        {"bestand": SimpleUploadedFile("ingevuld.xlsx", data, content_type=workbook.CONTENT_TYPE)},
    )
    assert preview.status_code == 200 and "Eén onderzoek telt voor twee vormen." in preview.content.decode()
    assert client.post(reverse("submission_upload_confirm", args=[police_2024.pk])).status_code == 302
    assert police_2024.explanations.get(key=key).text == "Eén onderzoek telt voor twee vormen."


def test_it_refuses_an_overlong_explanation_in_the_workbook_as_the_web_form_does(police_2024, politie_coordinator):
    key = _with_a_warning(police_2024, politie_coordinator)
    result = workbook.parse_upload(police_2024, _explain(workbook.build_template(police_2024), {key: "x" * 2001}))
    assert result.explanations == {} and "korter dan 2.000 tekens" in result.errors[0]


def test_it_ignores_an_explanation_of_a_warning_the_uploaded_figures_resolve(police_2024, politie_coordinator):
    from tests.submissions.test_workbook import fill

    key = _with_a_warning(police_2024, politie_coordinator)
    data = _explain(workbook.build_template(police_2024), {key: "Oude uitleg."})
    data = fill(data, {(PARTS, "_total", ""): 9})  # the total now matches: no warning left
    result = workbook.parse_upload(police_2024, data)
    assert result.explanations == {} and any("niet (meer)" in n for n in result.notes)
