"""The XlsxWriter template (issue 17): figures as number cells, checks with their results, a full round trip."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from apps.submissions import services, workbook
from apps.submissions.models import TOTAL, Indicator, Submission, Value
from apps.submissions.selectors import load_form_context
from tests.submissions.test_workbook import as_upload, fill, input_map

GESPREKKEN = "pol_informatieve_gesprekken"
TOELICHTING = "pol_toelichting"


def _every_count(submission) -> dict:
    """A different figure in every count cell of the form (0 included)."""
    cells, n = {}, 0
    for code, grid in load_form_context(submission).grids.items():
        if grid.indicator.kind == Indicator.Kind.COUNT:
            for key in grid.keys():
                cells[(code, *key)] = services.CellInput(number=n)
                n += 1
    return cells


def _save(submission, cells) -> None:
    services.save_values(submission_id=submission.pk, user=None, cells=cells, explanations={}, base_version=submission.version)
    submission.refresh_from_db()


def test_it_writes_every_stored_figure_as_a_number_cell(police_2024):
    cells = _every_count(police_2024)
    _save(police_2024, cells)
    data = workbook.build_template(police_2024)
    wb = load_workbook(io.BytesIO(data))
    counts = [(key, where) for key, where in input_map(data).items() if where[2] == "count"]
    assert len(counts) == len(cells)
    for key, (sheet, coordinate, __) in counts:
        cell = wb[sheet][coordinate]
        assert cell.data_type == "n" and type(cell.value) is int, (key, cell.value)
        assert cell.value == cells[key].number and cell.number_format == "0"


def test_it_writes_last_years_figures_as_numbers_too(edition_2023, police_2024):
    old = Submission.objects.get(edition=edition_2023, organisation__slug="politie-tmm")
    _save(old, _every_count(old))
    Submission.objects.filter(pk=old.pk).update(status=Submission.Status.APPROVED)
    ws = load_workbook(io.BytesIO(workbook.build_template(police_2024))).worksheets[1]
    # inputs in B..D, the sums of the rows in E, a blank column, last year in G..I (rows 6-10)
    grey = [ws.cell(row=r, column=c) for r in range(6, 11) for c in range(7, 10)]
    assert all(cell.data_type == "n" and type(cell.value) is int for cell in grey)


def test_it_gives_each_check_formula_the_result_of_the_figures_written(police_2024):
    _save(
        police_2024,
        {
            (GESPREKKEN, "seksueel", "minderjarig"): services.CellInput(number=12),
            (GESPREKKEN, "seksueel", "meerderjarig"): services.CellInput(number=7),
            (GESPREKKEN, "seksueel", TOTAL): services.CellInput(number=19),  # adds up
            (GESPREKKEN, "arbeid", "minderjarig"): services.CellInput(number=5),
            (GESPREKKEN, "arbeid", TOTAL): services.CellInput(number=3),  # a part above its total
        },
    )
    data = workbook.build_template(police_2024)
    values = load_workbook(io.BytesIO(data), data_only=True).worksheets[1]
    formulas = load_workbook(io.BytesIO(data)).worksheets[1]
    assert formulas["E6"].data_type == "f"  # the sums of the rows are in column E, beside each row
    assert values["E6"].value == 19 and type(values["E6"].value) is int  # a number, not text
    assert values["E7"].value == "≠ 5"
    assert values["E8"].value in (None, "")  # no parts given: nothing to add up
    assert values["B11"].value == 17  # the sum of the column of minors
    assert values["A11"].value == "Let op: een totaal wijkt af van de som van de delen (≠)"


def test_it_accepts_a_downloaded_and_filled_in_police_workbook_and_saves_what_was_typed(client, politie_coordinator, police_2024):
    client.force_login(politie_coordinator)
    downloaded = client.get(reverse("submission_excel", args=[police_2024.pk]))
    assert downloaded.status_code == 200
    typed = {
        (GESPREKKEN, "seksueel", "minderjarig"): 12,
        (GESPREKKEN, "seksueel", "meerderjarig"): 7,
        (GESPREKKEN, "seksueel", TOTAL): 19,
        (GESPREKKEN, "arbeid", "minderjarig"): 0,
        (TOELICHTING, "", ""): "=geen formule, gewoon tekst",
    }
    filled = fill(downloaded.content, typed, as_text=((TOELICHTING, "", ""),))
    preview = client.post(reverse("submission_upload", args=[police_2024.pk]), {"bestand": as_upload(filled)})
    assert preview.status_code == 200 and 'data-testid="upload-changes"' in preview.content.decode()
    confirmed = client.post(reverse("submission_upload_confirm", args=[police_2024.pk]))
    assert confirmed.status_code == 302

    stored = {
        (v.indicator.code, v.row, v.col): (v.text if v.indicator.kind == Indicator.Kind.TEXT else v.number)
        for v in Value.objects.filter(submission=police_2024).select_related("indicator")
    }
    assert stored == typed
    # Downloaded again, the file holds what was saved and uploads as "no changes".
    police_2024.refresh_from_db()
    again = client.get(reverse("submission_excel", args=[police_2024.pk])).content
    wb = load_workbook(io.BytesIO(again))
    sheet, coordinate, __ = input_map(again)[(GESPREKKEN, "seksueel", TOTAL)]
    assert wb[sheet][coordinate].value == 19 and wb[sheet][coordinate].data_type == "n"
    result = workbook.parse_upload(police_2024, again)
    assert result.is_valid and result.cells == {} and result.changes == []


def red_marks(data: bytes) -> dict[tuple[str, str], str]:
    """{(sheet, cell): the conditional format's formula as it applies to that very cell}.

    A rule's relative references are shifted from the top-left corner of its ranges to each cell.
    """
    marks = {}
    for ws in load_workbook(io.BytesIO(data)).worksheets:
        for formatting in ws.conditional_formatting:
            ranges = [CellRange(r) for r in str(formatting.sqref).split()]
            top, left = min(r.min_row for r in ranges), min(r.min_col for r in ranges)
            for rule in formatting.rules:
                for area in ranges:
                    for row in range(area.min_row, area.max_row + 1):
                        for column in range(area.min_col, area.max_col + 1):

                            def shifted(match, row=row, column=column):
                                c = column_index_from_string(match.group(1)) + column - left
                                return f"{get_column_letter(c)}{int(match.group(2)) + row - top}"

                            here = f"{get_column_letter(column)}{row}"
                            marks[(ws.title, here)] = re.sub(r"\b([A-Z]{1,3})(\d+)\b", shifted, rule.formula[0])
    return marks


def check_cells_marked_alone(data: bytes) -> dict[tuple[str, str], str]:
    """What red_marks must be: each formula cell of the section sheets marked by a rule on itself."""
    expected = {}
    for ws in load_workbook(io.BytesIO(data)).worksheets[1:-2]:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    here = cell.coordinate
                    expected[(ws.title, here)] = f'LEFT({here},6)="Let op"' if cell.column == 1 else f'LEFT({here},1)="≠"'
    return expected


def test_it_marks_each_check_cell_red_by_a_rule_on_that_cell(police_2024):
    data = workbook.build_template(police_2024)
    expected = check_cells_marked_alone(data)
    assert len(expected) > 20 and red_marks(data) == expected
