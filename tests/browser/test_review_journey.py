import re

import pytest
from playwright.sync_api import expect

from apps.partners.models import User
from apps.submissions import services
from apps.submissions.models import Submission, SubmissionEvent
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def logout(page):
    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/|/$"))


def test_it_takes_a_submission_from_return_to_approval(page, demo, settings):
    # As with `make run`: the demo staff account is exempt from two-factor while DEBUG is on.
    settings.DEBUG = True
    police = Submission.objects.get(edition__year=2024, organisation__slug="politie-tmm")
    petra = User.objects.get(email="politie@demo.invalid")
    services.save_values(
        submission_id=police.pk,
        user=petra,
        cells={("pol_informatieve_gesprekken", "seksueel", "minderjarig"): services.CellInput(number=5)},
        explanations={},
        base_version=police.version,
    )
    services.transition(submission_id=police.pk, action=SubmissionEvent.Action.SUBMIT, user=petra)

    # VAR staff return it with a comment.
    login(page, "var@demo.invalid")
    page.goto("/beheer/edities/2024/")
    expect(page.get_by_test_id("overview-counts")).to_contain_text("Wacht op beoordeling")
    page.locator('tr[data-organisation="politie-tmm"]').get_by_role("link", name=re.compile("Beoordelen")).click()
    page.get_by_label("Opmerking voor de organisatie").fill("De aangiftes ontbreken; vul die aan.")
    page.get_by_role("button", name="Terugsturen met opmerking").click()
    expect(page.get_by_text("Gelukt: de aanlevering is bijgewerkt")).to_be_visible()
    logout(page)

    # The police see the comment, fix and resubmit.
    login(page, "politie@demo.invalid")
    page.goto(f"/aanleveringen/{police.pk}/")
    expect(page.get_by_test_id("return-comment")).to_contain_text("De aangiftes ontbreken")
    page.locator("#indicator-pol_aangiftes").get_by_label("Seksuele uitbuiting, Minderjarig", exact=True).fill("3")
    page.get_by_role("button", name="Opslaan als concept").click()
    expect(page.get_by_text("Opgeslagen als concept")).to_be_visible()
    page.get_by_role("link", name="Indienen bij de VAR").click()
    page.get_by_role("button", name="Ja, definitief indienen").click()
    expect(page.get_by_test_id("submission-status")).to_have_text("Ingediend")
    logout(page)

    # Staff approve.
    login(page, "var@demo.invalid")
    page.goto(f"/beheer/aanleveringen/{police.pk}/")
    expect(page.locator("body")).to_contain_text("De aangiftes ontbreken")  # the timeline
    page.get_by_role("button", name="Goedkeuren en vergrendelen").click()
    expect(page.get_by_text("Gelukt")).to_be_visible()
    logout(page)

    # The coordinator sees it locked, with the reason.
    login(page, "politie@demo.invalid")
    page.goto(f"/aanleveringen/{police.pk}/")
    expect(page.get_by_test_id("submission-status")).to_have_text("Goedgekeurd")
    expect(page.get_by_test_id("lock-reason")).to_contain_text("Goedgekeurd op")
    expect(page.get_by_test_id("lock-reason")).to_contain_text("Vera VAR")
    expect(page.get_by_role("button", name="Opslaan als concept")).to_have_count(0)
