"""The edition workbook prints: LibreOffice turns it into a PDF without cutting a table or a chart.

Runs where LibreOffice (`libreoffice` or `soffice`) and poppler's `pdftotext` are installed;
REQUIRE_LIBREOFFICE_TESTS=1 (CI) turns a missing LibreOffice into a failure instead of a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from defusedxml import ElementTree

from apps.monitor import services
from apps.monitor.cache import cached_report
from apps.submissions.models import Edition

pytestmark = pytest.mark.integration

CHART_NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}


def _tools() -> tuple[str, str]:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    pdftotext = shutil.which("pdftotext")
    if not office or not pdftotext:
        message = "LibreOffice en pdftotext (poppler-utils) zijn nodig om de afdruk van de werkmap te testen."
        if os.environ.get("REQUIRE_LIBREOFFICE_TESTS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return office, pdftotext


def to_pdf(content: bytes, directory: Path) -> Path:
    office, __ = _tools()
    source = directory / "monitor.xlsx"
    source.write_bytes(content)
    # A profile of its own: LibreOffice refuses to start beside another instance on the same profile.
    profile = (directory / "profile").as_uri()
    subprocess.run(
        [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(directory), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return directory / "monitor.pdf"


def pages(pdf: Path) -> list[str]:
    """The text of each page in content order (-raw: no joining of "18-" with the next line), without whitespace."""
    __, pdftotext = _tools()
    text = subprocess.run([pdftotext, "-raw", str(pdf), "-"], check=True, capture_output=True, timeout=60).stdout
    return [re.sub(r"\s+", "", page) for page in text.decode().split("\f") if page.strip()]


def on(text: str, needle: str) -> bool:
    return re.sub(r"\s+", "", needle) in text


def page_of(texts: list[str], needle: str, start: int = 0) -> int:
    needle = re.sub(r"\s+", "", needle)
    for index in range(start, len(texts)):
        if needle in texts[index]:
            return index
    raise AssertionError(f"{needle!r} is on no page (from page {start + 1})")


@pytest.fixture
def printed(demo, tmp_path) -> tuple[services.EditionReport, list[str]]:
    content = services.build_edition_workbook(year=2023, public=False)
    report = cached_report(edition=Edition.objects.get(year=2023), published_only=False)
    return report, pages(to_pdf(content, tmp_path))


def test_it_prints_every_table_whole_on_one_page(printed):
    report, texts = printed
    position = 0
    for chapter in report.chapters:
        position = page_of(texts, f"{chapter.title} – Mensenhandelmonitor 2023", position)
        for table in chapter.all_tables:
            first = page_of(texts, table.title, position)
            for label in [table.row_header or "Categorie", *table.columns]:  # the header row under its title
                # A long column header wraps at its hyphens ("Rotterdam-" / "Rijnmond").
                for word in re.split(r"(?<=-)", label):
                    assert on(texts[first], word), (table.title, label, first + 1)
            for row in table.rows:  # every row of the table on the title's page
                assert on(texts[first], row.label), (table.title, row.label, first + 1)
            position = first


def test_it_repeats_the_heading_and_numbers_the_pages(printed):
    report, texts = printed
    assert len(texts) < 20  # seven chapter sheets and the cover of the demo edition, not hundreds of slivers
    for number, text in enumerate(texts, start=1):
        assert on(text, f"Pagina {number} van {len(texts)}")
        assert on(text, "Mensenhandelmonitor 2023")
    politie = [t for t in texts if on(t, "Mensenhandelmonitor 2023 – Politie")]
    assert len(politie) > 1 and all(on(t, "Politiecijfers – Mensenhandelmonitor 2023") for t in politie)  # repeated rows


def test_it_prints_each_chart_on_the_page_of_its_table(printed):
    __, texts = printed
    for title in ("Informatieve gesprekken mensenhandel", "Aangiftes mensenhandel", "Cliënten ambulante hulpverlening naar categorie"):
        page = page_of(texts, title)
        # The chart's title and axis title are drawn on the table's page as well.
        assert texts[page].count(re.sub(r"\s+", "", title)) == 2, (title, page + 1)
        assert on(texts[page], "Aantal")


def test_it_writes_charts_with_text_categories_and_cached_values(demo):
    content = services.build_edition_workbook(year=2023, public=False)
    archive = zipfile.ZipFile(BytesIO(content))
    charts = sorted(n for n in archive.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n))
    assert len(charts) == 3
    talks = None
    for name in charts:
        root = ElementTree.fromstring(archive.read(name))
        assert root.find(".//c:title", CHART_NS) is not None and root.find(".//c:legend", CHART_NS) is not None
        assert len(root.findall(".//c:valAx/c:title", CHART_NS)) == 1 and len(root.findall(".//c:catAx/c:title", CHART_NS)) == 1
        for series in root.findall(".//c:ser", CHART_NS):
            # Categories are the table's labels (strings), both referenced and cached.
            assert series.find("c:cat/c:strRef/c:strCache/c:pt", CHART_NS) is not None
            assert series.find("c:cat/c:numRef", CHART_NS) is None
            assert series.find("c:val/c:numRef/c:numCache/c:pt", CHART_NS) is not None
        title = "".join(t.text or "" for t in root.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}t"))
        if "Informatieve gesprekken" in title:
            talks = root
    assert talks is not None
    first = talks.find(".//c:ser", CHART_NS)
    labels = [p.findtext("c:v", namespaces=CHART_NS) for p in first.findall("c:cat/c:strRef/c:strCache/c:pt", CHART_NS)]
    values = [p.findtext("c:v", namespaces=CHART_NS) for p in first.findall("c:val/c:numRef/c:numCache/c:pt", CHART_NS)]
    assert labels == ["Seksuele uitbuiting", "Arbeidsuitbuiting", "Criminele uitbuiting", "Overige vorm van uitbuiting"]
    assert values == ["41", "3", "14", "0"]  # 2023, as in the table


def test_it_sets_up_every_sheet_for_a4_fit_to_width(demo):
    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(services.build_edition_workbook(year=2023, public=True)))
    for ws in workbook.worksheets:
        assert ws.page_setup.paperSize == "9" or ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1, "1")  # 1 is the default, left out
        assert ws.page_setup.fitToHeight in (0, "0")
        assert ws.print_area
        if ws.title != "Voorblad":
            assert ws.print_title_rows.replace("$", "") == "1:3"


def test_it_breaks_pages_between_tables_where_libreoffice_would_cut_one(tmp_path):
    """Fifteen tables of 17 rows on one sheet: without the layout's breaks, pages end inside tables."""
    from xlsxwriter.workbook import Workbook

    from apps.monitor.xlsx import WORKBOOK_OPTIONS, PrintLayout

    buffer = BytesIO()
    workbook = Workbook(buffer, {**WORKBOOK_OPTIONS, "in_memory": True})
    ws = workbook.add_worksheet("Blad")
    layout = PrintLayout(widths=[62, 14, 14], repeat=1)
    ws.set_column(0, 0, 62)
    ws.set_column(1, 2, 14)
    ws.write_string(0, 0, "Kop van het blad")
    row = 3
    for table in range(1, 16):
        first = row
        ws.write_string(row - 1, 0, f"Tabel {table}")
        for line in range(1, 17):
            ws.write_string(row - 1 + line, 0, f"Tabel {table} regel {line}")
            ws.write_number(row - 1 + line, 1, line)
        layout.keep(first, row + 16)
        row += 18
    layout.apply(ws, last_row=row, header="&LBlad", footer="&RPagina &P van &N")
    workbook.close()
    texts = pages(to_pdf(buffer.getvalue(), tmp_path))
    assert len(texts) > 2
    for table in range(1, 16):
        page = page_of(texts, f"Tabel {table}regel1")
        assert on(texts[page], f"Tabel {table} regel 16"), (table, page + 1)
        assert on(texts[page], "Kop van het blad")
