"""The Excel template opened and saved by LibreOffice Calc (issue 17).

LibreOffice does not recalculate an .xlsx on opening by default, so it shows the results the file
carries: these tests check that those are what LibreOffice itself computes, and that a template
saved by LibreOffice is accepted back. Runs where LibreOffice (`libreoffice` or `soffice`) is
installed; REQUIRE_LIBREOFFICE_TESTS=1 turns a missing LibreOffice into a failure.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from apps.submissions import services, workbook
from apps.submissions.models import TOTAL
from tests.submissions.test_workbook import fill
from tests.submissions.test_workbook_numbers import check_cells_marked_alone, red_marks

GESPREKKEN = "pol_informatieve_gesprekken"
ONDERZOEKEN = "pol_onderzoeken_273f"

# Recalculate every formula on loading an .xlsx (OOXMLRecalcMode 0 = always), in a profile of its own.
_ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def _office() -> str:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if not office:
        message = "LibreOffice is nodig om het Excel-sjabloon in Calc te openen."
        if os.environ.get("REQUIRE_LIBREOFFICE_TESTS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return office


def saved_by_libreoffice(content: bytes, directory: Path, *, recalculate: bool) -> bytes:
    """The workbook as LibreOffice Calc saves it again as .xlsx."""
    office = _office()
    profile = directory / "profile"
    if recalculate:
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_ALWAYS_RECALCULATE)
    source = directory / "sjabloon.xlsx"
    source.write_bytes(content)
    subprocess.run(
        [office, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx", "--outdir", str(directory / "uit"), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (directory / "uit" / "sjabloon.xlsx").read_bytes()


def _results(data: bytes) -> dict[tuple[str, str], object]:
    """{(sheet, cell): the result the file holds} for every formula cell of the section sheets."""
    formulas = load_workbook(io.BytesIO(data))
    values = load_workbook(io.BytesIO(data), data_only=True)
    result = {}
    for ws in formulas.worksheets[1:-2]:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    value = values[ws.title][cell.coordinate].value
                    result[(ws.title, cell.coordinate)] = "" if value is None else value
    return result


def test_it_carries_the_results_libreoffice_computes_for_every_check(police_2024, tmp_path):
    cells = {
        (GESPREKKEN, "seksueel", "minderjarig"): 12,
        (GESPREKKEN, "seksueel", "meerderjarig"): 7,
        (GESPREKKEN, "seksueel", TOTAL): 19,  # adds up
        (GESPREKKEN, "arbeid", "minderjarig"): 5,
        (GESPREKKEN, "arbeid", TOTAL): 3,  # a part above its total
        (GESPREKKEN, "crimineel", "minderjarig"): 0,
        (GESPREKKEN, "crimineel", "meerderjarig"): 4,
        (GESPREKKEN, "crimineel", TOTAL): 5,  # all parts given, unequal
        (GESPREKKEN, TOTAL, "meerderjarig"): 11,  # one part missing, below the total: no mismatch yet
        (ONDERZOEKEN, "seksueel", ""): 9,
        (ONDERZOEKEN, TOTAL, ""): 5,
    }
    services.save_values(
        submission_id=police_2024.pk,
        user=None,
        cells={key: services.CellInput(number=n) for key, n in cells.items()},
        explanations={},
        base_version=police_2024.version,
    )
    police_2024.refresh_from_db()
    data = workbook.build_template(police_2024)

    ours = _results(data)
    theirs = _results(saved_by_libreoffice(data, tmp_path, recalculate=True))
    assert theirs == ours
    shown = list(ours.values())
    assert "≠ 5" in shown and 19 in shown and "" in shown  # a mismatch, a sum and an empty check
    assert "Let op: een totaal wijkt af van de som van de delen (≠)" in shown and "Controle: som van de delen" in shown


def test_it_accepts_a_template_filled_in_and_saved_by_libreoffice(police_2024, tmp_path):
    typed = fill(workbook.build_template(police_2024), {(GESPREKKEN, "seksueel", "minderjarig"): 12})
    result = workbook.parse_upload(police_2024, saved_by_libreoffice(typed, tmp_path, recalculate=False))
    assert result.errors == []
    assert list(result.cells) == [(GESPREKKEN, "seksueel", "minderjarig")]
    assert result.cells[(GESPREKKEN, "seksueel", "minderjarig")].number == 12


def test_it_keeps_each_check_cells_red_mark_when_saved_by_libreoffice(police_2024, tmp_path):
    # One conditional format covers the check cells of a column on a sheet; LibreOffice writes back
    # the rules as it read them, and each must still apply to each check cell on its own.
    data = workbook.build_template(police_2024)
    assert red_marks(saved_by_libreoffice(data, tmp_path, recalculate=False)) == check_cells_marked_alone(data)
