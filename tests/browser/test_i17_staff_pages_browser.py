"""Issue 17 in the browser: the paged edition overview and the correction page's filter, at laptop
and phone width (no sideways scroll)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.partners.models import Organisation, OrganisationKind
from apps.submissions.models import Edition, Submission
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/mhm-screenshots"))


def _no_sideways_scroll(page, width: int, name: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"sideways scroll at {width}px"


def test_it_pages_the_overview_keeping_the_status_filter(page, demo, settings):
    settings.DEBUG = True  # as with `make run`: the demo staff account is exempt from two-factor
    SHOTS.mkdir(parents=True, exist_ok=True)
    edition = Edition.objects.get(year=2024)
    form = edition.forms.get(code="gemeente")
    for i in range(60):  # past one page of 50
        organisation = Organisation.objects.create(name=f"Gemeente Extra {i:02d}", slug=f"extra-{i:02d}", kind=OrganisationKind.GEMEENTE)
        Submission.objects.create(edition=edition, organisation=organisation, form=form)
    login(page, "var@demo.invalid")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/beheer/edities/2024/")
    page.get_by_label("Status").select_option("not_started")
    page.get_by_role("button", name="Toepassen").click()

    rows = page.locator('[data-testid="overview-table"] tbody tr')
    expect(rows).to_have_count(50)
    expect(page.get_by_test_id("overview-row-count")).to_contain_text("pagina 1 van 2")
    _no_sideways_scroll(page, 1366, "i17-overview-page-1")
    page.get_by_test_id("pages").get_by_role("link", name="Volgende").click()

    expect(page.get_by_test_id("overview-row-count")).to_contain_text("pagina 2 van 2")
    assert "status=not_started" in page.url and "pagina=2" in page.url
    expect(page.get_by_label("Status")).to_have_value("not_started")
    not_started = Submission.objects.filter(edition=edition, status="draft", version=1).count()
    expect(rows).to_have_count(not_started - 50)
    _no_sideways_scroll(page, 1366, "i17-overview-page-2")
    _no_sideways_scroll(page, 390, "i17-overview-page-2")


def test_it_filters_the_correction_boxes_and_keeps_the_ticked_one(page, demo, settings):
    settings.DEBUG = True
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, "var@demo.invalid")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/beheer/edities/2023/correctie/")
    boxes = page.locator('input[name="submissions"]')
    total = boxes.count()
    assert total > 10

    page.get_by_label("Aanleveringen filteren").fill("rotterdam")
    visible = page.locator('input[name="submissions"]:visible')
    expect(visible.first).to_be_visible()
    assert 0 < visible.count() < total
    visible.first.check()
    chosen = visible.first.get_attribute("value")
    _no_sideways_scroll(page, 1366, "i17-correction-filtered")
    page.get_by_label("Aanleveringen filteren").fill("geen-organisatie-heet-zo")

    expect(page.locator('input[name="submissions"]:visible')).to_have_count(1)  # the ticked one stays
    assert page.locator('input[name="submissions"]:visible').get_attribute("value") == chosen
    page.get_by_label("Aanleveringen filteren").fill("")
    expect(page.locator('input[name="submissions"]:visible')).to_have_count(total)
    _no_sideways_scroll(page, 390, "i17-correction")
