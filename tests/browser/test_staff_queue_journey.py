"""Staff land on their work queue after login and reach the place to act in one click."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.partners.models import User
from apps.submissions import services
from apps.submissions.models import Submission, SubmissionEvent
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_it_lands_staff_on_their_work_queue_and_links_to_the_review(page, demo, settings):
    settings.DEBUG = True  # as with `make run`: the demo staff account is exempt from two-factor
    police = Submission.objects.get(edition__year=2024, organisation__slug="politie-tmm")
    petra = User.objects.get(email="politie@demo.invalid")
    services.transition(submission_id=police.pk, action=SubmissionEvent.Action.SUBMIT, user=petra)

    login(page, "var@demo.invalid")
    expect(page).to_have_url(re.compile(r"/beheer/start/$"))
    waiting = page.get_by_test_id("queue-waiting")
    expect(waiting).to_contain_text("Politie")
    shots = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/mhm-screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "queue-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "queue-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    waiting.get_by_role("link", name=re.compile("^Beoordelen")).first.click()
    expect(page).to_have_url(re.compile(rf"/beheer/aanleveringen/{police.pk}/$"))
    expect(page.get_by_role("button", name="Goedkeuren en vergrendelen")).to_be_visible()
