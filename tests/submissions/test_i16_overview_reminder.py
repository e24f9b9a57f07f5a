"""The overview's reminder per row: a "Herinnering sturen" button on every row not yet delivered,
the day of the last reminder beside it, and no query per row."""

from __future__ import annotations

import datetime
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from apps.partners.models import AuditEvent, Organisation, OrganisationKind
from apps.submissions import editions, services
from apps.submissions.models import ReminderLog, Submission, SubmissionEvent

A = SubmissionEvent.Action


def _row(html: str, slug: str) -> str:
    match = re.search(rf'<tr data-organisation="{slug}">.*?</tr>', html, re.DOTALL)
    assert match, slug
    return match.group(0)


def _overview(client, **query) -> str:
    return client.get(reverse("edition_overview", args=[2024]), query).content.decode()


def test_it_offers_a_reminder_button_on_a_row_not_yet_delivered(client, vera, submission_a):
    client.force_login(vera)
    html = _overview(client)

    row = _row(html, "gemeente-rotterdam")
    assert 'form="reminder-form" name="organisation" value="gemeente-rotterdam"' in row
    assert "Herinnering sturen" in row
    assert f'action="{reverse("edition_send_reminder", args=[2024])}" id="reminder-form"' in html
    assert "csrfmiddlewaretoken" in html.split('id="reminder-form"', 1)[1].split("</form>", 1)[0]


def test_it_offers_no_reminder_for_a_submitted_row(client, vera, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    client.force_login(vera)

    assert "send-reminder" not in _row(_overview(client), "gemeente-rotterdam")


def test_it_offers_no_reminders_once_the_edition_is_closed(client, vera, edition_2024, submission_a):
    editions.close_edition(edition_id=edition_2024.pk, user=vera)
    client.force_login(vera)
    html = _overview(client)

    assert "send-reminder" not in html and 'id="reminder-form"' not in html


def test_it_sends_the_reminder_from_the_row_with_the_pages_csrf_token(client, vera, alice, org_a, submission_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(vera)
    html = _overview(browser, status="not_started")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = browser.post(
        reverse("edition_send_reminder", args=[2024]),
        {"csrfmiddlewaretoken": token, "organisation": org_a.slug, "back": "status=not_started"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("edition_overview", args=[2024]) + "?status=not_started"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REMINDER_SENT, organisation=org_a).count() == 1


def test_it_refuses_the_reminder_without_the_csrf_token(vera, org_a, submission_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(vera)

    response = browser.post(reverse("edition_send_reminder", args=[2024]), {"organisation": org_a.slug})

    assert response.status_code == 403
    assert not ReminderLog.objects.exists()


def test_it_goes_back_to_the_page_never_to_a_download(client, vera, org_a, submission_a):
    client.force_login(vera)
    response = client.post(
        reverse("edition_send_reminder", args=[2024]), {"organisation": org_a.slug, "back": "export=csv&sort=status"}
    )

    assert response["Location"] == reverse("edition_overview", args=[2024]) + "?sort=status"


def test_it_shows_the_day_of_the_last_reminder_in_the_row(client, vera, org_a, edition_2024, submission_a):
    today = timezone.localdate()
    for kind, days in (("14", 9), ("3", 2)):
        sent_on = today - datetime.timedelta(days=days)
        ReminderLog.objects.create(edition=edition_2024, organisation=org_a, kind=kind, sent_on=sent_on)
    client.force_login(vera)

    row = _row(_overview(client), "gemeente-rotterdam")

    expected = formats.date_format(today - datetime.timedelta(days=2), "DATE_FORMAT")
    assert f"herinnerd op {expected}" in row
    assert "herinnerd op" not in _row(_overview(client), "gemeente-dordrecht")


def test_it_shows_the_reminder_just_sent_after_the_redirect(client, vera, alice, org_a, submission_a):
    client.force_login(vera)
    response = client.post(reverse("edition_send_reminder", args=[2024]), {"organisation": org_a.slug}, follow=True)

    html = response.content.decode()
    assert "Er is een herinnering verstuurd" in html
    today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert f"herinnerd op {today}" in _row(html, "gemeente-rotterdam")


def test_it_refuses_the_reminder_to_the_outsider(client, charlie, org_a, submission_a):
    client.force_login(charlie)

    assert client.post(reverse("edition_send_reminder", args=[2024]), {"organisation": org_a.slug}).status_code == 404
    assert not ReminderLog.objects.exists()


def _organisations(edition, start: int, stop: int) -> None:
    """Organisations start..stop-1 in the edition, each reminded twice."""
    form = edition.forms.get(code="gemeente")
    for i in range(start, stop):
        org = Organisation.objects.create(name=f"Proefgemeente {i}", slug=f"proef-{i}", kind=OrganisationKind.GEMEENTE)
        Submission.objects.create(edition=edition, organisation=org, form=form)
        for days, kind in ((5, "14"), (1, "3")):
            sent_on = timezone.localdate() - datetime.timedelta(days=days)
            ReminderLog.objects.create(edition=edition, organisation=org, kind=kind, sent_on=sent_on)


def _queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        html = _overview(client)
    return len(ctx.captured_queries), html


def test_it_reads_the_reminders_in_the_same_number_of_queries_for_3_and_30_organisations(client, vera, edition_2024):
    client.force_login(vera)
    Submission.objects.filter(edition=edition_2024).delete()
    _organisations(edition_2024, 0, 3)
    small, html = _queries(client)
    assert html.count('data-testid="reminded-on"') == 3

    _organisations(edition_2024, 3, 30)
    large, html = _queries(client)

    assert html.count('data-testid="reminded-on"') == 30
    assert large == small
