"""Staff send a reminder from the organisation's row of the overview and see the day in that row."""

import os
from pathlib import Path

import pytest
from django.utils import formats, timezone
from playwright.sync_api import expect

from apps.partners.models import AuditEvent
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/mhm-screenshots"))


def test_it_sends_a_reminder_from_the_row_at_laptop_and_phone_width(page, demo, settings):
    settings.DEBUG = True  # as with `make run`: the demo staff account is exempt from two-factor
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, "var@demo.invalid")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/beheer/edities/2024/?status=not_started")

    row = page.locator('tr[data-organisation="gemeente-rotterdam"]').first
    row.get_by_role("button", name="Herinnering sturen Rotterdam").click()

    expect(page.get_by_role("status").first).to_contain_text("Er is een herinnering verstuurd")
    assert page.url.endswith("/beheer/edities/2024/?status=not_started")  # the same filtered view
    today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    expect(page.locator('tr[data-organisation="gemeente-rotterdam"]').first).to_contain_text(f"herinnerd op {today}")
    sent = AuditEvent.objects.filter(action=AuditEvent.Action.REMINDER_SENT, organisation__slug="gemeente-rotterdam")
    assert sent.count() == 1
    page.screenshot(path=str(SHOTS / "overview-reminder-1366.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/beheer/edities/2024/")
    page.screenshot(path=str(SHOTS / "overview-reminder-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The row's buttons stay in reach on a phone: the action column sticks to the right edge.
    dordrecht = page.locator('tr[data-organisation="gemeente-dordrecht"]').first
    button = dordrecht.get_by_role("button", name="Herinnering sturen Dordrecht")
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
