"""Browser journeys of issue 11: an ended session keeps the input; two colleagues resolve a real conflict."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.partners.models import Organisation, Role
from apps.submissions.models import Submission, Value
from tests.browser.conftest import login
from tests.conftest import PASSWORD, _member

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/mhm-screenshots"))
CELL_LABEL = "Seksuele uitbuiting, Minderjarig"


def _police():
    return Submission.objects.get(edition__year=2024, organisation__slug="politie-tmm")


def _aangiftes(page):
    return page.locator("#indicator-pol_aangiftes").get_by_label(CELL_LABEL, exact=True)


def _stored_aangiftes(submission) -> int | None:
    value = Value.objects.filter(
        submission=submission, indicator__code="pol_aangiftes", row="seksueel", col="minderjarig"
    ).first()
    return value.number if value else None


def _log_in_here(page, email: str, password: str = "mensenhandel-demo") -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()


def test_it_keeps_what_was_typed_when_the_user_logged_out_in_another_tab(page, demo):
    police = _police()
    login(page, "politie@demo.invalid")
    page.goto(f"/aanleveringen/{police.pk}/")
    other_tab = page.context.new_page()
    other_tab.goto("/")
    other_tab.get_by_role("button", name="Uitloggen").click()
    other_tab.close()

    _aangiftes(page).fill("17")
    page.get_by_role("button", name="Opslaan als concept").click()

    expect(page.get_by_role("heading", name="Uw sessie was verlopen")).to_be_visible()
    expect(page.get_by_test_id("input-kept")).to_contain_text("Uw invoer is bewaard")
    page.get_by_test_id("login-again").click()
    _log_in_here(page, "politie@demo.invalid")

    expect(page).to_have_url(re.compile(rf"/aanleveringen/{police.pk}/$"))
    expect(page.get_by_test_id("stash-restored")).to_be_visible()
    expect(_aangiftes(page)).to_have_value("17")
    assert _stored_aangiftes(police) is None  # offered back, not yet saved
    page.get_by_role("button", name="Opslaan als concept").click()
    expect(page.get_by_text("Opgeslagen als concept")).to_be_visible()
    assert _stored_aangiftes(police) == 17


def test_it_keeps_what_was_typed_when_the_user_logged_in_again_in_another_tab(browser, live_server, demo):
    police = _police()
    # Its own context: the refused POST is rightly a 403, which the shared fixture counts as an error.
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "403" not in msg.text else None)
    login(page, "politie@demo.invalid")
    page.goto(f"/aanleveringen/{police.pk}/")
    other_tab = page.context.new_page()
    other_tab.goto("/")
    other_tab.get_by_role("button", name="Uitloggen").click()
    other_tab.goto("/accounts/login/")
    _log_in_here(other_tab, "politie@demo.invalid")  # a new login rotates the CSRF token
    expect(other_tab.get_by_role("button", name="Uitloggen")).to_be_visible()
    other_tab.close()

    _aangiftes(page).fill("23")
    page.get_by_role("button", name="Opslaan als concept").click()

    expect(page.get_by_role("heading", name="Uw sessie was verlopen")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("CSRF verification failed")
    page.get_by_test_id("back-to-form").click()
    expect(_aangiftes(page)).to_have_value("23")
    page.get_by_role("button", name="Opslaan als concept").click()
    expect(page.get_by_text("Opgeslagen als concept")).to_be_visible()
    assert _stored_aangiftes(police) == 23
    context.close()
    assert not errors, errors


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px sideways scroll"


def test_it_lets_two_colleagues_resolve_a_real_conflict_side_by_side(browser, live_server, demo):
    police = _police()
    _member("paul@politie.invalid", Organisation.objects.get(slug="politie-tmm"), Role.CONTRIBUTOR)
    pages = []
    for email, password in (("politie@demo.invalid", "mensenhandel-demo"), ("paul@politie.invalid", PASSWORD)):
        context = browser.new_context(base_url=live_server.url, locale="nl-NL", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        login(page, email, password)
        page.goto(f"/aanleveringen/{police.pk}/")
        pages.append(page)
    coordinator, contributor = pages

    _aangiftes(coordinator).fill("42")
    coordinator.get_by_role("button", name="Opslaan als concept").click()
    expect(coordinator.get_by_text("Opgeslagen als concept")).to_be_visible()

    _aangiftes(contributor).fill("43")
    contributor.locator("#indicator-pol_informatieve_gesprekken").get_by_label(CELL_LABEL, exact=True).fill("6")
    contributor.get_by_role("button", name="Opslaan als concept").click()

    conflict = contributor.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    expect(conflict.get_by_test_id("theirs")).to_have_text("42")
    expect(conflict.get_by_test_id("mine")).to_have_text("43")
    expect(conflict).to_contain_text("Vorig jaar")
    SHOTS.mkdir(parents=True, exist_ok=True)
    conflict.scroll_into_view_if_needed()
    contributor.screenshot(path=str(SHOTS / "conflict-1366.png"))
    _no_sideways_scroll(contributor)
    contributor.set_viewport_size({"width": 390, "height": 844})
    conflict.scroll_into_view_if_needed()
    contributor.screenshot(path=str(SHOTS / "conflict-390.png"))
    _no_sideways_scroll(contributor)

    conflict.get_by_label(re.compile("Waarde van uw collega")).check()
    conflict.get_by_role("button", name="Keuzes opslaan").click()
    expect(contributor.get_by_text("Opgeslagen als concept")).to_be_visible()
    assert _stored_aangiftes(police) == 42
    gesprekken = Value.objects.get(submission=police, indicator__code="pol_informatieve_gesprekken", row="seksueel", col="minderjarig")
    assert gesprekken.number == 6
    for page in pages:
        page.context.close()
