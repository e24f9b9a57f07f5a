"""VAR staff look up who did what in the audit log, filter it and page through it."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.partners import audit
from apps.partners.models import AuditEvent, Organisation, User
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


def test_it_filters_the_audit_log_by_type_and_organisation(page, demo, settings):
    settings.DEBUG = True  # the demo staff account is exempt from two-factor while DEBUG is on
    police = Organisation.objects.get(slug="politie-tmm")
    petra = User.objects.get(email="politie@demo.invalid")
    audit.record(action=AuditEvent.Action.ORGANISATION_RENAMED, actor=petra, organisation=police, obj=police,
                 summary="Politie TMM → Politie Rotterdam TMM")
    audit.record(action=AuditEvent.Action.MFA_REMOVED_BY_ADMIN, actor=petra, summary="iemand@demo.invalid: TOTP")

    login(page, "var@demo.invalid")
    page.goto("/beheer/audit/")
    page.get_by_label("Soort").select_option("organisation.renamed")
    page.get_by_label("Organisatie").fill(police.name.lower()[:-2])  # a search: part of the name will do
    page.get_by_role("button", name="Filteren").click()

    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Politie TMM → Politie Rotterdam TMM")
    expect(rows.first.get_by_role("link")).to_have_attribute("href", re.compile(r"/beheer/organisaties/politie-tmm/"))
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"audit-log-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"sideways scroll at {width}px"
