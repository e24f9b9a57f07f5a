"""The edition's life: every move checks state and role, is audited, and publishing is deliberate."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.http import Http404
from django.urls import reverse

from apps.partners.models import AuditEvent
from apps.submissions import editions, services
from apps.submissions.forms_staff import EditionCreateForm, EditionDatesForm
from apps.submissions.models import Edition, EditionRevision, Submission, SubmissionEvent

A = SubmissionEvent.Action


def _approve(submission, coordinator, staff):
    services.transition(submission_id=submission.pk, action=A.SUBMIT, user=coordinator)
    services.transition(submission_id=submission.pk, action=A.APPROVE, user=staff)


def _complete_all_but(edition, staff, keep: set[int]):
    for s in Submission.objects.filter(edition=edition).exclude(pk__in=keep):
        services.transition(submission_id=s.pk, action=A.NOT_APPLICABLE, user=staff, comment="Niet gevraagd")


# -- dates -------------------------------------------------------------------------------------------


def test_it_gives_an_edition_created_late_six_weeks_from_today():
    assert editions.default_dates(2025, today=datetime.date(2026, 12, 1)) == (
        datetime.date(2026, 12, 1),
        datetime.date(2027, 1, 12),
    )


def test_it_keeps_the_usual_spring_deadline_when_that_is_far_enough_ahead():
    # The boundary: exactly six weeks before 1 March keeps 1 March.
    assert editions.default_dates(2025, today=datetime.date(2026, 1, 18)) == (
        datetime.date(2026, 1, 18),
        datetime.date(2026, 3, 1),
    )
    assert editions.default_dates(2025, today=datetime.date(2025, 11, 1))[0] == datetime.date(2026, 1, 1)
    assert editions.default_dates(2025, today=datetime.date(2026, 1, 19))[1] == datetime.date(2026, 3, 2)


def test_it_never_creates_an_edition_with_a_deadline_in_the_past(db, vera):
    edition = editions.create_edition(year=2019, created_by=vera)
    assert edition.deadline >= datetime.date.today() + datetime.timedelta(weeks=6) - datetime.timedelta(days=1)
    assert edition.opens_on <= edition.deadline


def test_it_audits_the_creation_of_an_edition(db, vera):
    edition = editions.create_edition(year=2025, created_by=vera)
    event = AuditEvent.objects.get(action="edition.created")
    assert event.actor == vera and event.object_id == str(edition.pk)


def test_it_refuses_a_deadline_before_the_opening_date(db, vera):
    with pytest.raises(editions.EditionError, match="vóór de openingsdatum"):
        editions.create_edition(
            year=2025, created_by=vera, opens_on=datetime.date(2026, 3, 1), deadline=datetime.date(2026, 2, 28)
        )
    assert not Edition.objects.filter(year=2025).exists()


def test_it_accepts_a_deadline_on_the_opening_day_itself(db, vera):
    day = datetime.date(2027, 3, 1)
    edition = editions.create_edition(year=2025, created_by=vera, opens_on=day, deadline=day)
    assert edition.deadline == day


def test_it_audits_changed_dates_with_old_and_new(edition_2024, vera):
    editions.set_dates(edition_id=edition_2024.pk, user=vera, opens_on=datetime.date(2025, 1, 1), deadline=datetime.date(2025, 4, 1))
    event = AuditEvent.objects.get(action="edition.dates_changed")
    assert event.data["new"]["deadline"] == "2025-04-01"


def test_it_lets_only_staff_move_an_edition(edition_2024, alice):
    with pytest.raises(Http404):
        editions.close_edition(edition_id=edition_2024.pk, user=alice)
    with pytest.raises(Http404):
        editions.create_edition(year=2030, created_by=alice)
    assert Edition.objects.get(pk=edition_2024.pk).status == Edition.Status.OPEN


# -- forms (issue 16) -------------------------------------------------------------------------------


def test_it_refuses_a_deadline_before_the_opening_beside_the_deadline_field():
    form = EditionCreateForm({"year": "2025", "opens_on": "2026-03-01", "deadline": "2026-01-01"})
    assert not form.is_valid()
    assert "vóór de openingsdatum" in form.errors["deadline"][0]


@pytest.mark.parametrize("year", ["２０２５", "٢٠٢٥", "2025.0", "20 25", "25"])
def test_it_refuses_a_year_not_typed_as_four_plain_digits(year):
    form = EditionCreateForm({"year": year})
    assert not form.is_valid()
    assert "vier cijfers" in form.errors["year"][0]


def test_it_validates_the_dates_form_with_the_same_rule():
    form = EditionDatesForm({"opens_on": "2026-03-01", "deadline": "2026-01-01"})
    assert not form.is_valid() and "vóór de openingsdatum" in form.errors["deadline"][0]
    assert EditionDatesForm({"opens_on": "2026-03-01", "deadline": "2026-03-01"}).is_valid()


# -- opening and closing -------------------------------------------------------------------------------


def test_it_mails_the_coordinators_when_an_edition_opens(db, vera, alice, charlie, django_capture_on_commit_callbacks):
    edition = editions.create_edition(year=2025, created_by=vera)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        editions.open_edition(edition=edition, opened_by=vera)
    recipients = {address for message in mail.outbox for address in message.to}
    assert {alice.email, charlie.email} <= recipients
    message = next(m for m in mail.outbox if alice.email in m.to)
    assert "geopend" in message.subject
    assert reverse("submission_form", args=[Submission.objects.get(edition=edition, organisation__slug="gemeente-rotterdam").pk]) in message.body
    assert AuditEvent.objects.filter(action="edition.opened", actor=vera).exists()


def test_it_shows_a_confirmation_before_opening_and_changes_nothing_on_get(client, vera, db):
    edition = editions.create_edition(year=2025, created_by=vera)
    client.force_login(vera)
    response = client.get(reverse("edition_open", args=[2025]))
    assert response.status_code == 200 and "28 aanleveringen" in response.content.decode()
    edition.refresh_from_db()
    assert edition.status == Edition.Status.PREPARATION
    client.post(reverse("edition_open", args=[2025]))
    edition.refresh_from_db()
    assert edition.status == Edition.Status.OPEN


def test_it_confirms_before_closing(client, vera, edition_2024):
    client.force_login(vera)
    assert client.get(reverse("edition_close", args=[2024])).status_code == 200
    assert Edition.objects.get(pk=edition_2024.pk).status == Edition.Status.OPEN
    client.post(reverse("edition_close", args=[2024]))
    assert Edition.objects.get(pk=edition_2024.pk).status == Edition.Status.CLOSED
    assert AuditEvent.objects.filter(action="edition.closed").exists()


# -- publishing ------------------------------------------------------------------------------------------


def test_it_refuses_publishing_an_open_edition(edition_2024, vera):
    with pytest.raises(editions.EditionError, match="open voor aanlevering"):
        editions.publish_edition(edition_id=edition_2024.pk, user=vera, reason="Toch")


def test_it_refuses_publishing_while_submissions_are_open_without_a_reason(edition_2024, vera):
    editions.close_edition(edition_id=edition_2024.pk, user=vera)
    with pytest.raises(editions.EditionError, match="28 aanlevering"):
        editions.publish_edition(edition_id=edition_2024.pk, user=vera, reason="  ")
    assert Edition.objects.get(pk=edition_2024.pk).status == Edition.Status.CLOSED


def test_it_publishes_with_open_submissions_when_given_a_reason_and_keeps_it(edition_2024, vera):
    editions.close_edition(edition_id=edition_2024.pk, user=vera)
    editions.publish_edition(edition_id=edition_2024.pk, user=vera, reason="Bestuurlijke deadline")
    edition = Edition.objects.get(pk=edition_2024.pk)
    assert edition.status == Edition.Status.PUBLISHED and edition.publish_reason == "Bestuurlijke deadline"
    event = AuditEvent.objects.get(action="edition.published")
    assert event.data["missing"] == 28 and event.data["reason"] == "Bestuurlijke deadline"


def test_it_publishes_a_complete_edition_without_a_reason_as_revision_one(submission_a, alice, vera):
    _approve(submission_a, alice, vera)
    _complete_all_but(submission_a.edition, vera, keep={submission_a.pk})
    editions.close_edition(edition_id=submission_a.edition_id, user=vera)
    revision = editions.publish_edition(edition_id=submission_a.edition_id, user=vera)
    assert revision.number == 1 and Edition.objects.get(pk=submission_a.edition_id).publish_reason == ""
    assert EditionRevision.objects.get().figures["submissions"]["gemeente-rotterdam|gemeente"] == "approved"


def test_it_counts_what_publishing_includes(submission_a, alice, vera, police_2024, politie_coordinator):
    _approve(submission_a, alice, vera)
    services.transition(submission_id=police_2024.pk, action=A.NOTHING_TO_REPORT, user=politie_coordinator, comment="Niets")
    check = editions.publication_check(submission_a.edition)
    assert (check.approved, check.nothing_to_report, check.not_applicable, len(check.missing)) == (1, 1, 0, 26)


def test_it_offers_publishing_only_after_closing(client, vera, edition_2024):
    client.force_login(vera)
    page = client.get(reverse("edition_overview", args=[2024])).content.decode()
    assert reverse("edition_publish", args=[2024]) not in page
    editions.close_edition(edition_id=edition_2024.pk, user=vera)
    page = client.get(reverse("edition_overview", args=[2024])).content.decode()
    assert reverse("edition_publish", args=[2024]) in page


def test_it_shows_the_completeness_on_the_publish_page_and_refuses_beside_the_reason(client, vera, edition_2024):
    editions.close_edition(edition_id=edition_2024.pk, user=vera)
    client.force_login(vera)
    response = client.get(reverse("edition_publish", args=[2024]))
    assert response.context["check"].expected == 28 and len(response.context["check"].missing) == 28
    response = client.post(reverse("edition_publish", args=[2024]), {"reason": ""})
    assert response.status_code == 200
    assert "geef een reden op" in response.context["form"].errors["reason"][0]
    assert Edition.objects.get(pk=edition_2024.pk).status == Edition.Status.CLOSED


def test_it_hides_the_publish_page_from_partners(client, alice, charlie, edition_2024, vera):
    editions.close_edition(edition_id=edition_2024.pk, user=vera)
    for user in (alice, charlie):
        client.force_login(user)
        assert client.get(reverse("edition_publish", args=[2024])).status_code == 404
        assert client.post(reverse("edition_publish", args=[2024]), {"reason": "x"}).status_code == 404
    assert Edition.objects.get(pk=edition_2024.pk).status == Edition.Status.CLOSED


def test_it_shows_the_publish_reason_with_the_published_edition(client, vic, edition_2024, vera):
    editions.close_edition(edition_id=edition_2024.pk, user=vera)
    editions.publish_edition(edition_id=edition_2024.pk, user=vera, reason="Raadsbrief van 1 juni")
    client.force_login(vic)
    page = client.get(reverse("monitor_edition", args=[2024])).content.decode()
    assert "Raadsbrief van 1 juni" in page
