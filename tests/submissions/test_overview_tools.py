"""The edition overview: counters that do not double count, sorting, status filter, contacts,
a formula-safe CSV export and a reminder now (audited, not twice a day)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse

from apps.partners.models import AuditEvent
from apps.partners.spreadsheets import csv_safe
from apps.submissions import services
from apps.submissions.models import SubmissionEvent
from apps.submissions.overview import edition_overview

A = SubmissionEvent.Action


def _url(**query):
    from urllib.parse import urlencode

    return reverse("edition_overview", args=[2024]) + ("?" + urlencode(query) if query else "")


def test_it_counts_an_approved_submission_once(edition_2024, submission_a, alice, vera):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    services.transition(submission_id=submission_a.pk, action=A.APPROVE, user=vera)
    __, counts = edition_overview(edition=edition_2024)
    assert (counts["submitted"], counts["approved"]) == (0, 1)
    assert counts["open"] + counts["submitted"] + counts["approved"] == counts["expected"]


def test_it_filters_the_overview_by_status(client, vera, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    client.force_login(vera)
    rows = client.get(_url(status="submitted")).context["rows"]
    assert [r.pk for r in rows] == [submission_a.pk]


def test_it_sorts_the_overview_by_organisation_and_by_last_change(client, vera, alice, submission_a):
    client.force_login(vera)
    names = [r.organisation.casefold() for r in client.get(_url(sort="organisatie")).context["rows"]]
    assert names == sorted(names)
    services.save_values(
        submission_id=submission_a.pk, user=alice, cells={("gem_trainingen", "", ""): services.CellInput(text="Twee")},
        explanations={}, base_version=1,
    )
    assert client.get(_url(sort="-gewijzigd")).context["rows"][0].pk == submission_a.pk


def test_it_shows_the_coordinator_as_contact_person(client, vera, alice, submission_a):
    client.force_login(vera)
    html = client.get(_url()).content.decode()
    assert f'href="mailto:{alice.email}"' in html


def test_it_exports_the_overview_as_formula_safe_csv(client, vera, alice, submission_a):
    alice.name = "=HYPERLINK(\"http://kwaad.invalid\")"
    alice.save()
    client.force_login(vera)
    response = client.get(_url(export="csv", status="not_started"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0][0] == "Organisatie"
    rotterdam = next(r for r in rows if r[0] == "Rotterdam")
    assert rotterdam[9].startswith("'=")  # never a live formula
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1


@pytest.mark.parametrize(("value", "safe"), [("=1+1", "'=1+1"), ("+31", "'+31"), ("-2", "'-2"), ("@x", "'@x"), ("Rotterdam", "Rotterdam"), (5, "5")])
def test_it_neutralises_formula_starts_in_csv_cells(value, safe):
    assert csv_safe(value) == safe


def test_it_sends_a_reminder_now_once_a_day_and_audits_it(client, vera, alice, org_a, submission_a, django_capture_on_commit_callbacks):
    client.force_login(vera)
    url = reverse("edition_send_reminder", args=[2024])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"organisation": org_a.slug})
    (message,) = mail.outbox
    assert message.to == [alice.email] and "Herinnering" in message.subject
    assert AuditEvent.objects.filter(organisation=org_a, data__reminder="handmatig").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"organisation": org_a.slug}, follow=True)
    assert len(mail.outbox) == 1
    assert "vandaag al een herinnering" in response.content.decode()


def test_it_sends_no_reminder_to_an_organisation_that_delivered(client, vera, alice, org_a, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    client.force_login(vera)
    response = client.post(reverse("edition_send_reminder", args=[2024]), {"organisation": org_a.slug}, follow=True)
    assert "niets meer in te dienen" in response.content.decode()
    assert mail.outbox == []


def test_it_refuses_reminders_and_the_export_to_partners(client, alice, org_a, submission_a):
    client.force_login(alice)
    assert client.post(reverse("edition_send_reminder", args=[2024]), {"organisation": org_a.slug}).status_code == 404
    assert client.get(_url(export="csv")).status_code == 404
