"""Staff reopen an approved submission; the coordinator reads why on the form itself."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.partners.models import User
from apps.submissions import services
from apps.submissions.models import Submission, SubmissionEvent
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_it_shows_the_reopen_reason_as_a_banner_on_the_form(page, demo, settings):
    settings.DEBUG = True  # as with `make run`: the demo staff account is exempt from two-factor
    police = Submission.objects.get(edition__year=2024, organisation__slug="politie-tmm")
    petra = User.objects.get(email="politie@demo.invalid")
    vera = User.objects.get(email="var@demo.invalid")
    services.transition(submission_id=police.pk, action=SubmissionEvent.Action.SUBMIT, user=petra)
    services.transition(submission_id=police.pk, action=SubmissionEvent.Action.APPROVE, user=vera)
    mail.outbox.clear()

    login(page, "var@demo.invalid")
    page.goto(f"/beheer/aanleveringen/{police.pk}/")
    page.get_by_label("Opmerking voor de organisatie").fill("Uw correctie van de aangiftes kan er nog in.")
    page.get_by_role("button", name=re.compile("Heropenen")).click()
    expect(page.get_by_text("Gelukt")).to_be_visible()
    assert any(m.subject.startswith("Heropend:") and m.to == ["politie@demo.invalid"] for m in mail.outbox)
    page.get_by_role("button", name="Uitloggen").click()

    login(page, "politie@demo.invalid")
    page.goto(f"/aanleveringen/{police.pk}/")
    banner = page.get_by_test_id("reopen-reason")
    expect(banner).to_contain_text("Heropend door Vera VAR (demo)")
    expect(banner).to_contain_text("Uw correctie van de aangiftes kan er nog in.")
    expect(page.get_by_role("button", name="Opslaan als concept")).to_be_visible()
