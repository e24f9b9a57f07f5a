"""A visitor without an account reads the 2023 monitor on the public site and downloads its PDF."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/screenshots"))


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def figure(page, table_id: str, row: str, column: int = 0) -> str:
    cell = page.locator(f"#{table_id} tbody tr").filter(has=page.get_by_role("rowheader", name=re.compile(f"^{re.escape(row)}"))).locator("td").nth(column)
    return re.sub(r"(\(\d+\))+$", "", cell.inner_text().strip())  # footnote references left out


def test_it_takes_a_visitor_from_the_home_page_to_the_2023_report_and_its_pdf(page, demo):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_test_id("public-link").click()
    page.get_by_role("link", name="Mensenhandelmonitor 2023").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mensenhandelmonitor 2023")

    page.locator(".report-toc").get_by_role("link", name="Politiecijfers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Politiecijfers")
    assert figure(page, "tabel-politie-pol_informatieve_gesprekken", "Seksuele uitbuiting") == "41"
    assert figure(page, "tabel-politie-pol_informatieve_gesprekken", "Totaal aantal gesprekken") == "58"
    assert figure(page, "tabel-politie-pol_aangiftes", "Totaal aantal aangiftes") == "27"
    assert figure(page, "tabel-politie-pol_aangiftes", "Seksuele uitbuiting") == "19"
    chart = page.locator("img.report-chart").first
    chart.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())

    page.get_by_role("link", name=re.compile("ESSM – Meld- en adviespunt")).click()
    expect(page.get_by_text("In 2023 is voor 130 situaties contact opgenomen")).to_be_visible()
    page.get_by_role("link", name=re.compile("ESSM – Cliënten ambulante hulpverlening")).first.click()
    assert figure(page, "tabel-essm_hulpverlening-essm_clienten_categorie", "Totaal slachtoffers") == "148"
    assert figure(page, "tabel-essm_hulpverlening-essm_clienten_gender", "Vrouw") == "113"

    # Built on first request (Celery runs eagerly here; WeasyPrint takes some seconds), then kept.
    with page.expect_download(timeout=120_000) as info:
        page.get_by_test_id("download-pdf").click(timeout=120_000)
    download = info.value
    assert download.suggested_filename == "mensenhandelmonitor-2023-rapport.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("width", [1366, 390])
def test_it_reads_on_a_phone_and_a_laptop_without_sideways_scroll(page, demo, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    for name, url in [
        ("index", "/publicatie/"),
        ("edition", "/publicatie/2023/"),
        ("aanleiding", "/publicatie/2023/tekst-aanleiding/"),
        ("politie", "/publicatie/2023/cijfers-politie/"),
        ("hulpverlening", "/publicatie/2023/cijfers-essm_hulpverlening/"),
        ("gemeenten", "/publicatie/2023/cijfers-gemeenten/"),
        ("open-data", "/publicatie/2023/open-data/"),
        ("whole", "/publicatie/2023/rapport/"),
    ]:
        page.goto(url)
        for img in page.locator("img").all():
            img.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"public-{name}-{width}.png"), full_page=True)
        assert no_sideways_scroll(page), (name, width)


def test_it_lets_staff_write_a_chapter_with_a_preview_first(page, demo, settings):
    from tests.browser.conftest import login

    settings.DEBUG = True  # the demo staff account is exempt from two-factor while DEBUG is on
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, "var@demo.invalid")
    page.goto("/monitor/2024/")
    page.get_by_role("link", name="Teksten van het rapport").click()
    page.get_by_role("link", name="Nieuw hoofdstuk").click()
    page.get_by_label("Titel").fill("Aanleiding")
    page.get_by_label("Code").fill("aanleiding")
    page.get_by_label("Tekst (Markdown)").fill("## Vijf opgaven\n\n1. Zicht\n2. Samenwerking")
    page.get_by_role("button", name="Voorbeeld").click()
    expect(page.get_by_test_id("preview").get_by_role("heading", name="Vijf opgaven")).to_be_visible()
    expect(page.get_by_label("Tekst (Markdown)")).to_have_value("## Vijf opgaven\n\n1. Zicht\n2. Samenwerking")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"staff-text-preview-{width}.png"), full_page=True)
        assert no_sideways_scroll(page), width
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("link", name="Aanleiding")).to_be_visible()
    page.get_by_role("link", name="Het hele rapport bekijken").click()
    expect(page.locator("#tekst-aanleiding h3")).to_have_text("Vijf opgaven")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(SHOTS / "staff-report-1366.png"))
