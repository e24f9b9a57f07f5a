"""The edition workbook reproduces the Mensenhandelmonitor 2023; public suppression; raw data; CLI."""

from __future__ import annotations

import csv
import io
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from apps.monitor import services
from apps.monitor.suppression import recomputable
from apps.partners.models import AuditEvent
from apps.submissions.models import TOTAL
from tests.monitor.conftest import all_text, fill, make_edition, read_tables, submission

# Every figure of the seed monitor, as (sheet, table, row label, {year: value}); None = blank.
SEED = [
    ("Politie", "Informatieve gesprekken mensenhandel", "Seksuele uitbuiting", {"2023": 41, "2022": 24, "2021": 47}),
    ("Politie", "Informatieve gesprekken mensenhandel", "Arbeidsuitbuiting", {"2023": 3, "2022": 0, "2021": 2}),
    ("Politie", "Informatieve gesprekken mensenhandel", "Criminele uitbuiting", {"2023": 14, "2022": 0, "2021": 1}),
    ("Politie", "Informatieve gesprekken mensenhandel", "Overige vorm van uitbuiting", {"2023": 0, "2022": 1, "2021": 4}),
    ("Politie", "Informatieve gesprekken mensenhandel", "Totaal aantal gesprekken", {"2023": 58, "2022": 25, "2021": 54}),
    ("Politie", "Aangiftes mensenhandel", "Seksuele uitbuiting", {"2023": 19, "2022": 22, "2021": 15}),
    ("Politie", "Aangiftes mensenhandel", "Arbeidsuitbuiting", {"2023": 7, "2022": 1, "2021": 0}),
    ("Politie", "Aangiftes mensenhandel", "Criminele uitbuiting", {"2023": None, "2022": 0, "2021": 0}),
    ("Politie", "Aangiftes mensenhandel", "Overige vorm van uitbuiting", {"2023": None, "2022": 0, "2021": 1}),
    ("Politie", "Aangiftes mensenhandel", "Totaal aantal aangiftes", {"2023": 27, "2022": 23, "2021": 16}),
    ("RIEC", "Kerncijfers", "Casussen onder regie van het RIEC met het thema mensenhandel en -smokkel", {"2023": 4}),
    ("ESSM meldpunt", "Kerncijfers", "Situaties waarvoor contact is opgenomen met het Meldpunt mensenhandel", {"2023": 130}),
    *[
        ("ESSM hulpverlening", "Cliënten ambulante hulpverlening naar categorie", label, {"2023": a, "2022": b})
        for label, a, b in [
            ("Preventief traject 18-", 15, 5),
            ("Preventief traject 18+", 11, 22),
            ("Seksuele uitbuiting 18-", 20, 33),
            ("Seksuele uitbuiting 18+", 83, 27),
            ("Arbeidsuitbuiting 18+", 12, 20),
            ("Criminele uitbuiting 18-", 2, 1),
            ("Criminele uitbuiting 18+", 5, None),
            ("Totaal slachtoffers", 148, 137),
        ]
    ],
    *[
        ("ESSM hulpverlening", "Cliënten naar gender", label, {"2023": a, "2022": b})
        for label, a, b in [("Vrouw", 113, 111), ("Man", 12, 11), ("Overig/onbekend", 23, 15)]
    ],
    *[
        ("ESSM hulpverlening", "Cliënten naar verblijfstatus", label, {"2023": a, "2022": b})
        for label, a, b in [("B8 status", 39, 36), ("Nederlands paspoort", 32, 30), ("Overig", 77, 77)]
    ],
    *[
        ("ESSM hulpverlening", "Cliënten naar leeftijdscategorie", label, {"2023": a, "2022": b})
        for label, a, b in [
            ("< 18", 18, 22),
            ("18 < 23", 14, 34),
            ("23 < 30", 33, 21),
            ("30 < 40", 26, 32),
            ("40 < 50", 19, 11),
            ("50 < 60", 3, 5),
            ("60 < 70", None, 2),
            ("Onbekend", 5, 10),
        ]
    ],
    *[
        ("Opvang", "Cijfers opvang slachtoffers mensenhandel (aantal cliënten)", label, {"2023": n})
        for label, n in [
            ("Internationale slachtoffers in COSM (bedenktijd)", 38),
            ("Nederlandse slachtoffers", 3),
            ("Gebruik noodbed", 20),
            ("B8 woningen woonbegeleiding", 10),
        ]
    ],
    *[
        ("Gemeenten", "Resultaten bestuurlijke controles", label, {"2023": n})
        for label, n in [
            ("Controles op bouwplaatsen", 29),
            ("Dossiers naar NLA", 18),
            ("Boetes NLA", 129),
            ("Controle leegstaande woningen", 76),
            ("Misstanden geconstateerd", 39),
        ]
    ],
]


@pytest.fixture
def internal(demo) -> bytes:
    return services.build_edition_workbook(year=2023, public=False)


def test_it_reproduces_the_seed_monitor_cell_by_cell_as_numbers(internal):
    tables = read_tables(internal)
    for sheet, title, label, expected in SEED:
        row = tables[sheet][title][label]
        assert set(row) == set(expected), (title, label, list(row))
        for year, value in expected.items():
            cell = row[year]
            if value is None:
                assert cell.value is None, (title, label, year, cell.value)
            else:
                assert cell.value == value and isinstance(cell.value, int), (title, label, year, cell.value)
                assert cell.data_type == "n" and "#,##0" in cell.number_format


def test_it_marks_incomplete_and_footnoted_figures_in_the_number_format(demo):
    # The demo is complete as printed; a municipality approved with one control figure but not the
    # fines makes the regional fines a lower bound.
    from apps.submissions.models import Edition

    fill(submission(Edition.objects.get(year=2023), "gemeente-schiedam", "gemeente"), {("gem_bestuurlijke_controles", "misstanden", ""): 2})
    internal = services.build_edition_workbook(year=2023, public=False)
    tables = read_tables(internal)
    assert tables["Gemeenten"]["Resultaten bestuurlijke controles"]["Boetes NLA"]["2023"].number_format.startswith('"≥"')
    assert tables["Politie"]["Aangiftes mensenhandel"]["Seksuele uitbuiting"]["2023"].number_format == "#,##0"
    # Footnote 2) of the seed sits on the 2022 total of the informative talks.
    total_2022 = tables["Politie"]["Informatieve gesprekken mensenhandel"]["Totaal aantal gesprekken"]["2022"]
    assert total_2022.value == 25 and total_2022.number_format.endswith('" (1)"')
    texts = [c.value for c in all_text(internal) if isinstance(c.value, str)]
    assert any(t.startswith("(1) Dit verschil vanaf 2021") for t in texts)
    assert any("Totaal 32 onder de 23" in t for t in texts) and any("Totaal 56 onder de 23" in t for t in texts)
    assert any("categorie jeugdprostitutie verwerkt onder seksuele uitbuiting" in t for t in texts)


def test_it_puts_cover_completeness_legend_frozen_panes_and_charts_in_the_workbook(internal):
    workbook = load_workbook(BytesIO(internal))
    assert workbook.sheetnames[0] == "Voorblad"
    assert set(services.SHEET_TITLES.values()) <= set(workbook.sheetnames)
    cover = [c.value for row in workbook["Voorblad"].iter_rows() for c in row if c.value is not None]
    assert "Mensenhandelmonitor 2023" in cover and "Legenda" in cover and "Gegenereerd op" in cover
    assert any(isinstance(v, str) and v.startswith("Volledigheid 2023: 28 van 28 aanleveringen compleet (6 goedgekeurd") for v in cover)
    for name in services.SHEET_TITLES.values():
        sheet = workbook[name]
        assert sheet.freeze_panes == "B4"
        assert str(sheet["A3"].value).startswith("Volledigheid 2023")
    assert len(workbook["Politie"]._charts) == 2  # informatieve gesprekken and aangiftes
    assert len(workbook["ESSM hulpverlening"]._charts) == 1  # categories


def test_it_hides_small_counts_in_the_public_workbook_so_none_can_be_recomputed(demo):
    content = services.build_edition_workbook(year=2023, public=True)
    tables = read_tables(content)
    cells = [c for sheet in tables.values() for t in sheet.values() for row in t.values() for c in row.values()]
    persons = [c for name, sheet in tables.items() if name != "RIEC" for t in sheet.values() for row in t.values() for c in row.values()]
    numbers = [c.value for c in persons if isinstance(c.value, int)]
    assert numbers and not [n for n in numbers if 0 < n < 5]
    # RIEC's cases are no persons: shown as the printed monitor shows them
    assert tables["RIEC"]["Kerncijfers"]["Casussen onder regie van het RIEC met het thema mensenhandel en -smokkel"]["2023"].value == 4
    talks = tables["Politie"]["Informatieve gesprekken mensenhandel"]
    assert talks["Arbeidsuitbuiting"]["2023"].value == "<5"
    assert talks["Criminele uitbuiting"]["2023"].value == "x"  # else 58 - 41 - 14 - 0 gives it away
    assert talks["Totaal aantal gesprekken"]["2023"].value == 58
    cover = [c.value for c in all_text(content) if isinstance(c.value, str)]
    assert "<5" in cover and "x" in cover  # both explained in the legend

    edition = services.Edition.objects.get(year=2023)
    report = services.build_report(edition=edition, published_only=True)
    suppression = report.suppression(5)
    values = {i: c.number for ch in report.chapters for t in ch.all_tables for r in t.rows for i, c in zip(r.ids, r.cells)}
    lines = [line for ch in report.chapters for t in ch.all_tables for line in t.lines]
    assert not recomputable(values, lines, suppression.hidden)


def test_it_uses_the_threshold_setting(demo, settings):
    settings.SUPPRESSION_THRESHOLD = 15
    tables = read_tables(services.build_edition_workbook(year=2023, public=True))
    assert tables["ESSM hulpverlening"]["Cliënten naar gender"]["Man"]["2023"].value == "<15"


DANGEROUS = ["=HYPERLINK(\"http://example.invalid\",\"klik\")", "+31 10 123", "-2 gemeenten", "@SUM(A1:A9)"]


@pytest.fixture
def dangerous_edition(db):
    edition = make_edition(2024)
    cells = {("gem_trainingen", "", ""): DANGEROUS[0], ("gem_awareness", "", ""): DANGEROUS[1]}
    cells |= {("gem_campagnes", "", ""): DANGEROUS[2], ("gem_bestuurlijke_controles", "misstanden", ""): 7}
    fill(
        submission(edition, "gemeente-rotterdam", "gemeente"),
        cells,
        comments={("gem_bestuurlijke_controles", "misstanden", ""): DANGEROUS[3]},
    )
    return edition


def _assert_text_not_formula(content: bytes):
    cells = all_text(content)
    assert not [c for c in cells if c.data_type == "f"]
    found = {c.value: c.data_type for c in cells if isinstance(c.value, str)}
    for text in DANGEROUS:
        hits = [v for v in found if text in v]
        assert hits, text
        assert all(found[v] == "s" for v in hits)
    return found


def test_it_writes_text_that_looks_like_a_formula_as_text(dangerous_edition):
    found = _assert_text_not_formula(services.build_edition_workbook(year=2024, public=False))
    assert DANGEROUS[0] in found  # stored as is, not as a formula
    raw = services.build_raw_export(year=2024, csv=False)
    _assert_text_not_formula(raw)
    rows = list(csv.reader(io.StringIO(services.build_raw_export(year=2024, csv=True).decode("utf-8-sig")), delimiter=";"))
    flat = [value for row in rows for value in row]
    assert "'" + DANGEROUS[0] in flat and "'@SUM(A1:A9)" in flat
    assert not [v for v in flat if v and v[0] in "=+-@"]


def test_it_exports_the_raw_data_in_long_format(demo):
    workbook = load_workbook(BytesIO(services.build_raw_export(year=2023, csv=False)))
    rows = list(workbook["Gegevens"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:6] == ("editie", "organisatie", "soort", "subregio", "formulier", "status")
    records = [dict(zip(header, row)) for row in rows[1:]]
    total = next(r for r in records if r["indicator"] == "pol_informatieve_gesprekken" and r["rij"] == TOTAL and r["kolom"] == TOTAL)
    assert total["aantal"] == 58 and total["rij_label"] == "Totaal aantal gesprekken" and total["status"] == "Goedgekeurd"
    seks = next(r for r in records if r["indicator"] == "essm_clienten_categorie" and r["rij"] == "seksueel" and r["kolom"] == "plus18")
    assert (seks["rij_label"], seks["kolom_label"], seks["aantal"]) == ("Seksuele uitbuiting", "18+", 83)
    # Submissions without figures appear too, with their status.
    assert any(r["organisatie"] == "Gemeente Dordrecht" and r["indicator"] is None and r["status"] == "Niets te melden" for r in records)
    completeness = list(workbook["Volledigheid"].iter_rows(values_only=True))
    assert completeness[0][0] == "formulier"
    assert ("Gemeente", "Dordrecht", "nee", "niets te melden: Geen eigen controles of campagnes over 2023.") in completeness
    text = services.build_raw_export(year=2023, csv=True).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("editie;organisatie;soort")
    assert ";58;" in text


def test_it_exports_from_the_command_line_and_records_it(demo, tmp_path):
    target = tmp_path / "monitor.xlsx"
    call_command("export_edition", "2023", "--output", str(target), stdout=io.StringIO())
    assert read_tables(target.read_bytes())["Politie"]["Aangiftes mensenhandel"]["Totaal aantal aangiftes"]["2023"].value == 27
    call_command("export_edition", "2023", "--output", str(tmp_path / "public.xlsx"), "--public", stdout=io.StringIO())
    call_command("export_edition", "2023", "--output", str(tmp_path / "raw.xlsx"), "--raw", stdout=io.StringIO())
    call_command("export_edition", "2023", "--output", str(tmp_path / "raw.csv"), "--raw", "--csv", stdout=io.StringIO())
    assert (tmp_path / "raw.csv").read_bytes().startswith(b"\xef\xbb\xbfeditie;")
    variants = list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).values_list("data__variant", flat=True))
    assert sorted(variants) == ["csv", "internal", "public", "raw"]
    with pytest.raises(CommandError):
        call_command("export_edition", "2023", "--output", str(tmp_path / "x.csv"), "--public", "--raw")
    with pytest.raises(CommandError):
        call_command("export_edition", "1999", "--output", str(tmp_path / "x.xlsx"))


