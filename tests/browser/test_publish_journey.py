"""Deliberate publishing and a correction as revision 2, in the browser, as VAR staff and the police."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.partners.models import User
from apps.submissions import services
from apps.submissions.models import Edition, Submission, SubmissionEvent
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
CELL = ("pol_informatieve_gesprekken", "seksueel", "minderjarig")
SHOTS = os.environ.get("SCREENSHOT_DIR")  # set to look at the pages at 1366 and 390 px


def logout(page):
    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/|/$"))


WIDEST = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter(e => !e.closest('.table-responsive'))
    .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"""


def shoot(page, name: str) -> None:
    """Screenshots at desktop and phone width; the phone page must not scroll sideways."""
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} scrolls sideways at {width}px ({wide}): {page.evaluate(WIDEST)}"
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_it_publishes_deliberately_and_corrects_as_a_revision(page, demo, settings):
    settings.DEBUG = True  # as with `make run`: the demo staff account is exempt from two-factor
    police = Submission.objects.get(edition__year=2024, organisation__slug="politie-tmm")
    petra = User.objects.get(email="politie@demo.invalid")
    vera = User.objects.get(email="var@demo.invalid")
    services.save_values(
        submission_id=police.pk, user=petra, cells={CELL: services.CellInput(number=5)}, explanations={}, base_version=police.version
    )
    services.transition(submission_id=police.pk, action=SubmissionEvent.Action.SUBMIT, user=petra)
    services.transition(submission_id=police.pk, action=SubmissionEvent.Action.APPROVE, user=vera)

    # Staff: no "Publiceren" on an open edition; close (confirmed), then the publish page.
    login(page, "var@demo.invalid")
    page.goto("/beheer/edities/2024/")
    expect(page.get_by_role("link", name=re.compile("Publiceren"))).to_have_count(0)
    page.get_by_role("link", name="Sluiten…").click()
    shoot(page, "close-confirm")
    page.get_by_role("button", name="Ja, sluiten").click()
    expect(page.get_by_test_id("edition-status")).to_have_text("Gesloten")
    page.get_by_role("link", name="Publiceren…").click()
    expect(page.get_by_test_id("check-approved")).to_have_text("1")
    expect(page.get_by_test_id("check-missing")).to_have_text("27")
    shoot(page, "publish-confirm")
    page.get_by_test_id("confirm-publish").click()  # without a reason: refused beside the field
    expect(page.get_by_text("geef een reden op")).to_be_visible()
    page.get_by_label("Reden om nu te publiceren").fill("Alleen de politiecijfers, voor de raadsbrief")
    page.get_by_test_id("confirm-publish").click()
    expect(page.get_by_test_id("edition-status")).to_have_text("Gepubliceerd")
    logout(page)

    # The police see the published monitor, with the reason.
    login(page, "politie@demo.invalid")
    page.goto("/monitor/2024/")
    expect(page.get_by_test_id("publish-reason")).to_contain_text("voor de raadsbrief")
    logout(page)

    # Staff open a correction of the police's submission only.
    login(page, "var@demo.invalid")
    page.goto("/beheer/edities/2024/")
    page.get_by_role("link", name="Correctie openen…").click()
    page.get_by_label("Reden van de correctie").fill("Een gesprek te weinig geteld")
    page.get_by_label(re.compile("Politie TMM")).check()
    shoot(page, "correction")
    page.get_by_test_id("confirm-correction").click()
    expect(page.get_by_test_id("correction-banner")).to_contain_text("Een gesprek te weinig geteld")
    shoot(page, "overview-correction")
    logout(page)

    # The police correct and submit again; the published monitor still shows 5.
    login(page, "politie@demo.invalid")
    page.goto(f"/aanleveringen/{police.pk}/")
    page.locator("#indicator-pol_informatieve_gesprekken").get_by_label("Seksuele uitbuiting, Minderjarig", exact=True).fill("6")
    page.get_by_role("button", name="Opslaan als concept").click()
    expect(page.get_by_text("Opgeslagen als concept")).to_be_visible()
    page.get_by_role("link", name="Indienen bij de VAR").click()
    page.get_by_role("button", name="Ja, definitief indienen").click()
    expect(page.get_by_test_id("submission-status")).to_have_text("Ingediend")
    page.goto("/monitor/2024/politie/")
    expect(page.get_by_test_id("correction-note")).to_be_visible()
    expect(page.locator("#tabel-pol_informatieve_gesprekken")).to_contain_text("5")
    expect(page.locator("#tabel-pol_informatieve_gesprekken")).not_to_contain_text("6")
    logout(page)

    # Staff approve and publish revision 2.
    login(page, "var@demo.invalid")
    page.goto(f"/beheer/aanleveringen/{police.pk}/")
    page.get_by_role("button", name="Goedkeuren en vergrendelen").click()
    expect(page.get_by_text("Gelukt")).to_be_visible()
    page.get_by_role("link", name="Herziene versie publiceren…").click()
    page.get_by_role("button", name="Ja, herziene versie publiceren").click()
    expect(page.get_by_text("opnieuw gepubliceerd als revisie 2")).to_be_visible()
    logout(page)
    assert Edition.objects.get(year=2024).revision == 2

    # The police see revision 2 with the changed figure, 5 -> 6 (a 5 stays visible).
    login(page, "politie@demo.invalid")
    page.goto("/monitor/2024/")
    changes = page.get_by_test_id("revision-changes")
    expect(changes).to_contain_text("Politie TMM")
    expect(changes.locator("tbody tr").first).to_contain_text("5")
    expect(changes.locator("tbody tr").first).to_contain_text("6")
    expect(page.get_by_test_id("revision-note")).to_contain_text("Een gesprek te weinig geteld")
    shoot(page, "monitor-revision")
