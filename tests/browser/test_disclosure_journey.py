"""A partner opens the monitor in Chromium and sees protected figures, on a wide screen and a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = "/tmp/mhm-screenshots"


def test_it_shows_a_partner_protected_figures_and_the_policy(page, demo):
    login(page, "politie@demo.invalid")
    page.goto("/monitor/2023/")
    expect(page.get_by_role("heading", name="Afscherming van kleine aantallen")).to_be_visible()
    expect(page.locator(".monitor-disclosure")).to_contain_text("de afgeschermde cijfers")
    page.goto("/monitor/2023/politie/")
    talks = page.locator("#tabel-pol_informatieve_gesprekken")
    arbeid = talks.locator("tr", has_text="Arbeidsuitbuiting").locator("td").first
    expect(arbeid).to_have_text("<5")  # 3 for VAR staff
    expect(page.locator(".monitor-legend")).to_contain_text("Klein aantal personen")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/i13-partner-politie-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    chart = page.locator("img.monitor-chart").first
    chart.scroll_into_view_if_needed()
    expect(chart).to_have_js_property("complete", True)
    assert chart.evaluate("img => img.naturalWidth") > 0
    assert re.search(r"/grafiek/", chart.get_attribute("src"))


def test_it_lets_staff_make_an_open_editions_protection_stricter(page, demo, settings):
    settings.DEBUG = True  # as with `make run`: the demo staff accounts are exempt from two-factor
    login(page, "var@demo.invalid")
    page.goto("/beheer/edities/")
    page.get_by_role("link", name="Afscherming 2024").click()
    page.get_by_label("Drempel kleine aantallen").fill("3")
    page.get_by_role("button", name="Afscherming opslaan").click()
    expect(page.locator("#id_threshold")).to_have_value("3")  # the input is kept beside its message
    expect(page.locator(".invalid-feedback, .text-danger").first).to_contain_text("strenger")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/policy-form-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.get_by_label("Drempel kleine aantallen").fill("10")
    page.get_by_role("button", name="Afscherming opslaan").click()
    expect(page).to_have_url(re.compile(r"/monitor/2024/$"))
    expect(page.locator(".monitor-disclosure")).to_contain_text("1 tot en met 9 staan openbaar als <10")
