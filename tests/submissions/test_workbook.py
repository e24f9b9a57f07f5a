"""The Excel workbook of a submission: its layout and protection, and checking an upload."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from apps.submissions import services, workbook
from apps.submissions.models import TOTAL, Submission, Value

GESPREKKEN = "pol_informatieve_gesprekken"
CTRL = "gem_bestuurlijke_controles"
FUNCTIONARIS = "gem_aandachtsfunctionaris"
TRAININGEN = "gem_trainingen"


# -- helpers shared with test_workbook_views -------------------------------------------------------


def input_map(data: bytes) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    """{(indicator, row, col): (sheet, coordinate, kind)} read from the hidden _meta sheet."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[workbook.META_SHEET]
    result, in_mapping = {}, False
    for row in ws.iter_rows(values_only=True):
        if row[0] == "address":
            in_mapping = True
            continue
        if in_mapping and row[0]:
            sheet, coordinate = row[0].rsplit("!", 1)
            result[(row[1], row[2] or "", row[3] or "")] = (sheet, coordinate, row[4])
    return result


def fill(data: bytes, values: dict, *, as_text: tuple = ()) -> bytes:
    """Type values into the workbook as a user would; cells in `as_text` are typed as text."""
    cells = input_map(data)
    wb = load_workbook(io.BytesIO(data))
    for key, value in values.items():
        sheet, coordinate, __ = cells[key]
        cell = wb[sheet][coordinate]
        cell.value = value
        if key in as_text:
            cell.data_type = "s"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def as_upload(data: bytes, name: str = "ingevuld.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=workbook.CONTENT_TYPE)


def zip_bomb() -> bytes:
    """A small zip whose one member unpacks to 60 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = bytes(1024 * 1024)
            for __ in range(60):
                member.write(chunk)
    return buffer.getvalue()


def random_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notities.txt", "geen werkmap")
    return buffer.getvalue()


def _values(submission) -> dict:
    return {(v.indicator.code, v.row, v.col): v for v in Value.objects.filter(submission=submission).select_related("indicator")}


def _approve(submission) -> None:
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.APPROVED)


# -- the download --------------------------------------------------------------------------------


def test_it_lays_out_one_protected_sheet_per_section(police_2024):
    data = workbook.build_template(police_2024)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "Uitleg" and wb.sheetnames[-2:] == ["Toelichtingen", "_meta"]
    sections = wb.sheetnames[1:-2]
    assert len(sections) == 3
    assert len(set(sections)) == len(sections) and all(len(title) <= 31 for title in sections)
    assert wb[workbook.META_SHEET].sheet_state == "veryHidden"
    for title in sections:
        assert wb[title].protection.sheet

    cells = input_map(data)
    # every cell of the grid, totals included, is an input
    assert len([k for k in cells if k[0] == GESPREKKEN]) == 5 * 3
    sheet, coordinate, kind = cells[(GESPREKKEN, "seksueel", "minderjarig")]
    ws = wb[sheet]
    assert kind == "count" and not ws[coordinate].protection.locked
    assert ws["A6"].value == "Seksuele uitbuiting" and ws["A6"].protection.locked
    assert ws["B5"].value == "Minderjarig" and ws["B5"].protection.locked
    assert ws["A4"].value == "Informatieve gesprekken mensenhandel" and ws["A4"].protection.locked


def test_it_validates_whole_numbers_in_every_count_cell_and_ja_nee_in_yes_no_cells(police_2024, submission_a):
    for submission in (police_2024, submission_a):
        data = workbook.build_template(submission)
        wb = load_workbook(io.BytesIO(data))
        for (code, row, col), (sheet, coordinate, kind) in input_map(data).items():
            validations = wb[sheet].data_validations.dataValidation
            covering = [dv for dv in validations if coordinate in dv.sqref]
            assert len(covering) == 1, (code, row, col)
            dv = covering[0]
            if kind == "count":
                # "between" is the file format's default operator: XlsxWriter leaves it out.
                assert (dv.type, dv.operator or "between", dv.formula1, dv.formula2) == ("whole", "between", "0", "1000000")
                assert dv.showErrorMessage and "heel getal" in dv.error
            elif kind == "boolean":
                assert dv.type == "list" and dv.formula1 == '"Ja,Nee"'
            else:
                assert dv.type == "textLength"


def test_it_fills_in_stored_values_numbers_as_numbers_and_text_never_as_formula(submission_a):
    texts = {
        TRAININGEN: '=HYPERLINK("http://voorbeeld.invalid","klik")',
        "gem_awareness": "+31 10 123 45 67",
        "gem_campagnes": "@campagne",
        "gem_arbeidsuitbuiting": "-3 controles, zie\r\nde bijlage",
    }
    cells = {(CTRL, "bouwplaatsen", ""): services.CellInput(number=29), (CTRL, "misstanden", ""): services.CellInput(number=0)}
    cells[(FUNCTIONARIS, "", "")] = services.CellInput(number=1)
    cells.update({(code, "", ""): services.CellInput(text=text) for code, text in texts.items()})
    services.save_values(submission_id=submission_a.pk, user=None, cells=cells, explanations={}, base_version=1)
    submission_a.refresh_from_db()

    data = workbook.build_template(submission_a)
    wb = load_workbook(io.BytesIO(data))
    mapping = input_map(data)
    sheet, coordinate, __ = mapping[(CTRL, "bouwplaatsen", "")]
    assert wb[sheet][coordinate].value == 29 and wb[sheet][coordinate].data_type == "n"
    sheet, coordinate, __ = mapping[(CTRL, "misstanden", "")]
    assert wb[sheet][coordinate].value == 0 and wb[sheet][coordinate].data_type == "n"
    sheet, coordinate, __ = mapping[(CTRL, "boetes_nla", "")]
    assert wb[sheet][coordinate].value is None
    sheet, coordinate, __ = mapping[(FUNCTIONARIS, "", "")]
    assert wb[sheet][coordinate].value == "Ja"
    for code, text in texts.items():
        sheet, coordinate, __ = mapping[(code, "", "")]
        cell = wb[sheet][coordinate]
        assert cell.data_type == "s", code
        assert cell.value == text.replace("\r\n", "\n")
        assert cell.number_format == "@"
    # the file as downloaded is a valid upload without changes
    result = workbook.parse_upload(submission_a, data)
    assert result.is_valid and result.changes == [] and result.cells == {}


def test_it_puts_last_years_approved_figures_beside_in_a_labelled_grey_block(edition_2023, police_2024):
    old = Submission.objects.get(edition=edition_2023, organisation__slug="politie-tmm")
    services.save_values(
        submission_id=old.pk,
        user=None,
        cells={(GESPREKKEN, "seksueel", "minderjarig"): services.CellInput(number=17)},
        explanations={},
        base_version=old.version,
    )
    _approve(old)
    wb = load_workbook(io.BytesIO(workbook.build_template(police_2024)))
    ws = wb[wb.sheetnames[1]]
    # inputs in B..D, the sums of the rows in E, a blank column, last year in G..I
    assert ws["G4"].value == "Vorig jaar (2023)"
    assert ws["G5"].value == "Minderjarig" and ws["G6"].value == 17
    assert ws["G6"].fill.fgColor.rgb.endswith("EDEDED") and ws["G6"].protection.locked
    assert ws["B6"].value is None
    # last year's figures are never read back as input
    assert workbook.parse_upload(police_2024, workbook.build_template(police_2024)).cells == {}


def test_it_keeps_sheet_titles_short_and_unique():
    used: set[str] = {"Uitleg"}
    first = workbook.layout._sheet_title("Informatieve gesprekken en aangiftes bij de politie", used)
    second = workbook.layout._sheet_title("Informatieve gesprekken en aangiftes bij de politie", used)
    third = workbook.layout._sheet_title("Uitleg", used)
    fourth = workbook.layout._sheet_title("Vragen: wie/wat?", used)
    assert len({first, second, third, fourth}) == 4
    assert all(len(t) <= 31 for t in (first, second, third, fourth))
    assert first == "Informatieve gesprekken en…" and third == "Uitleg (2)"
    assert not set("[]:*?/\\") & set(fourth)


# -- checking an upload --------------------------------------------------------------------------


def test_it_reads_changed_cells_with_the_web_forms_rules(police_2024):
    data = workbook.build_template(police_2024)
    filled = fill(
        data,
        {
            (GESPREKKEN, "seksueel", "minderjarig"): 12.0,  # Excel stores numbers as floats
            (GESPREKKEN, "seksueel", "meerderjarig"): "7",
            (GESPREKKEN, "seksueel", TOTAL): 19,
            (GESPREKKEN, "arbeid", "minderjarig"): 0,
            ("pol_toelichting", "", ""): "=niet rekenen",
        },
        as_text=(("pol_toelichting", "", ""),),
    )
    result = workbook.parse_upload(police_2024, filled)
    assert result.errors == []
    assert result.cells[(GESPREKKEN, "seksueel", "minderjarig")].number == 12
    assert result.cells[(GESPREKKEN, "seksueel", "meerderjarig")].number == 7
    assert result.cells[(GESPREKKEN, "arbeid", "minderjarig")].number == 0
    assert result.cells[("pol_toelichting", "", "")].text == "=niet rekenen"
    assert len(result.cells) == 5
    assert ("Informatieve gesprekken mensenhandel – Seksuele uitbuiting, Minderjarig", "leeg", "12") in result.changes
    assert ("Informatieve gesprekken mensenhandel – Arbeidsuitbuiting, Minderjarig", "leeg", "0") in result.changes
    assert result.base_version == police_2024.version
    assert not Value.objects.filter(submission=police_2024).exists()  # checking never writes


@pytest.mark.parametrize(
    "typed, message",
    [
        (-3, "Een aantal kan niet negatief zijn. Vul 0 of meer in."),
        (12.5, "Vul een heel getal in, zonder komma, punt of decimalen."),
        ("2,5", "Vul een heel getal in, zonder komma, punt of decimalen."),
        ("veel", "Vul een heel getal in met alleen de cijfers 0 tot en met 9"),
        ("٣", "Vul een heel getal in met alleen de cijfers 0 tot en met 9"),
        (1_000_001, "Het aantal mag niet groter zijn dan 1.000.000."),
        (True, "Vul een heel getal in met alleen de cijfers 0 tot en met 9"),
    ],
)
def test_it_names_sheet_cell_and_problem_of_every_bad_count(police_2024, typed, message):
    data = fill(
        workbook.build_template(police_2024),
        {(GESPREKKEN, "seksueel", "minderjarig"): typed, (GESPREKKEN, "arbeid", "minderjarig"): 4},
    )
    result = workbook.parse_upload(police_2024, data)
    assert len(result.errors) == 1
    assert result.errors[0].startswith(
        "Blad 'Informatieve gesprekken en…', cel B6 "
        "(Informatieve gesprekken mensenhandel – Seksuele uitbuiting, Minderjarig): "
    )
    assert message in result.errors[0]
    assert result.cells == {} and result.changes == []  # nothing unless the whole file is valid


def test_it_checks_yes_no_and_text_cells(submission_a):
    data = fill(workbook.build_template(submission_a), {(FUNCTIONARIS, "", ""): "misschien", (TRAININGEN, "", ""): "x" * 10_001})
    errors = workbook.parse_upload(submission_a, data).errors
    assert len(errors) == 2
    assert "cel B5 (Heeft de gemeente een aandachtsfunctionaris mensenhandel?): Kies Ja of Nee" in errors[0]
    assert "(Trainingen): Houd de tekst korter dan 10.000 tekens." in errors[1]

    data = fill(workbook.build_template(submission_a), {(FUNCTIONARIS, "", ""): "nee", (TRAININGEN, "", ""): 2024})
    result = workbook.parse_upload(submission_a, data)
    assert result.errors == []
    assert result.cells[(FUNCTIONARIS, "", "")].number == 0
    assert result.cells[(TRAININGEN, "", "")].text == "2024"


def test_it_refuses_a_formula_without_a_computed_result(police_2024):
    # openpyxl (like some other tools) saves formulas without their result: nothing to read
    data = fill(workbook.build_template(police_2024), {(GESPREKKEN, "seksueel", TOTAL): "=B6+C6"})
    errors = workbook.parse_upload(police_2024, data).errors
    assert len(errors) == 1 and "cel D6" in errors[0] and "formule" in errors[0]


def test_it_refuses_files_that_are_not_an_xlsx(submission_a):
    not_xlsx = "Dit is geen Excel-bestand (.xlsx)"
    assert not_xlsx in workbook.parse_upload(submission_a, b"aantal;12\n").errors[0]
    assert not_xlsx in workbook.parse_upload(submission_a, random_zip()).errors[0]
    assert "leeg" in workbook.parse_upload(submission_a, b"").errors[0]
    data = workbook.build_template(submission_a)
    assert "beschadigd" in workbook.parse_upload(submission_a, data[: len(data) // 2]).errors[0]


def test_it_refuses_a_zip_bomb_before_opening_it(submission_a, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not see a zip bomb")

    monkeypatch.setattr(workbook.upload, "load_workbook", never)
    bomb = zip_bomb()
    assert len(bomb) < 1024 * 1024
    result = workbook.parse_upload(submission_a, bomb)
    assert len(result.errors) == 1 and "onredelijk groot" in result.errors[0]


def test_it_refuses_a_member_that_compresses_suspiciously_well(submission_a):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(10 * 1024 * 1024))  # far below 50 MB, ratio ~1000
    assert "onredelijk groot" in workbook.parse_upload(submission_a, buffer.getvalue()).errors[0]


def test_it_refuses_xml_with_a_doctype(submission_a, monkeypatch):
    data = workbook.build_template(submission_a)
    monkeypatch.setattr(workbook.upload, "load_workbook", lambda *a, **k: pytest.fail("refused before parsing"))
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/workbook.xml":
                content = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + content.split(b"?>", 1)[-1]
            archive.writestr(info.filename, content)
    assert "DOCTYPE" in workbook.parse_upload(submission_a, buffer.getvalue()).errors[0]


def test_it_refuses_a_file_over_the_size_limit(submission_a):
    big = SimpleUploadedFile("groot.xlsx", os.urandom(workbook.MAX_UPLOAD_BYTES + 1))
    assert "te groot" in workbook.parse_upload(submission_a, big).errors[0]


def test_it_refuses_a_template_of_another_organisation_form_or_edition(edition_2023, submission_a, org_b, police_2024):
    dordrecht = Submission.objects.get(edition=submission_a.edition, organisation=org_b, form__code="gemeente")
    error = workbook.parse_upload(submission_a, workbook.build_template(dordrecht)).errors[0]
    assert error.startswith("Dit sjabloon hoort bij een andere organisatie: het is van Gemeente Dordrecht")

    error = workbook.parse_upload(submission_a, workbook.build_template(police_2024)).errors[0]
    assert error.startswith("Dit sjabloon hoort bij een ander formulier en een andere organisatie")
    assert "Politie Eenheid Rotterdam – TMM" in error

    last_year = Submission.objects.get(edition=edition_2023, organisation=submission_a.organisation, form__code="gemeente")
    error = workbook.parse_upload(submission_a, workbook.build_template(last_year)).errors[0]
    assert error.startswith("Dit sjabloon hoort bij een andere editie") and "editie 2023" in error


def test_it_refuses_a_workbook_without_its_meta_sheet_or_with_a_changed_layout(submission_a):
    data = workbook.build_template(submission_a)
    wb = load_workbook(io.BytesIO(data))
    del wb[workbook.META_SHEET]
    buffer = io.BytesIO()
    wb.save(buffer)
    assert "geen sjabloon van de Mensenhandelmonitor" in workbook.parse_upload(submission_a, buffer.getvalue()).errors[0]

    wb = load_workbook(io.BytesIO(data))
    wb[workbook.META_SHEET]["A13"].value = "Organisatie van de aanpak!C9"
    buffer = io.BytesIO()
    wb.save(buffer)
    assert "past niet meer bij het formulier" in workbook.parse_upload(submission_a, buffer.getvalue()).errors[0]

    wb = load_workbook(io.BytesIO(data))
    wb["Organisatie van de aanpak"].title = "Anders"
    buffer = io.BytesIO()
    wb.save(buffer)
    assert "Blad 'Organisatie van de aanpak' ontbreekt" in workbook.parse_upload(submission_a, buffer.getvalue()).errors[0]


def test_it_keeps_web_edits_made_after_the_download_and_flags_real_conflicts(police_2024):
    data = workbook.build_template(police_2024)  # version 1
    services.save_values(
        submission_id=police_2024.pk,
        user=None,
        cells={(GESPREKKEN, "seksueel", "minderjarig"): services.CellInput(number=5, comment="via de website")},
        explanations={},
        base_version=1,
    )
    police_2024.refresh_from_db()

    # The file leaves that cell as downloaded (blank): the web edit stays, the file's own edit applies.
    result = workbook.parse_upload(police_2024, fill(data, {(GESPREKKEN, "arbeid", "minderjarig"): 3}))
    assert result.errors == []
    assert list(result.cells) == [(GESPREKKEN, "arbeid", "minderjarig")]
    assert result.base_version == 2 and result.downloaded_version == 1
    assert "Seksuele uitbuiting, Minderjarig" in result.notes[0]

    # The file changes the same cell to something else: a conflict that names the cell.
    result = workbook.parse_upload(police_2024, fill(data, {(GESPREKKEN, "seksueel", "minderjarig"): 8}))
    assert len(result.errors) == 1 and result.cells == {}
    assert "cel B6" in result.errors[0] and "door iemand anders gewijzigd in ‘5’" in result.errors[0]
    assert "‘8’" in result.errors[0]


def test_it_keeps_value_comments_of_changed_cells(submission_a):
    services.save_values(
        submission_id=submission_a.pk,
        user=None,
        cells={(CTRL, "bouwplaatsen", ""): services.CellInput(number=4, comment="schatting")},
        explanations={},
        base_version=1,
    )
    submission_a.refresh_from_db()
    data = fill(workbook.build_template(submission_a), {(CTRL, "bouwplaatsen", ""): 6})
    result = workbook.parse_upload(submission_a, data)
    assert result.cells[(CTRL, "bouwplaatsen", "")] == services.CellInput(number=6, comment="schatting")
    assert result.changes == [("Resultaten bestuurlijke controles – Controles op bouwplaatsen", "4", "6")]
    assert _values(submission_a)[(CTRL, "bouwplaatsen", "")].number == 4
