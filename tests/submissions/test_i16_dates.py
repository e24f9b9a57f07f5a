"""Dates on the edition pages and in the lock reason read as the project writes them: "1 mrt 2027"."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.submissions import services
from apps.submissions.models import Edition, Submission

OPENS, DEADLINE = datetime.date(2027, 1, 4), datetime.date(2027, 3, 1)


@pytest.fixture
def edition_2026(db) -> Edition:
    return services.create_edition(year=2026, created_by=None, opens_on=OPENS, deadline=DEADLINE)


def test_it_shows_short_dutch_dates_in_the_edition_list(client, vera, edition_2026):
    client.force_login(vera)
    html = client.get(reverse("edition_list")).content.decode()

    assert "4 jan 2027" in html and "1 mrt 2027" in html
    assert "1 maart 2027" not in html


def test_it_shows_short_dutch_dates_when_confirming_the_opening(client, vera, edition_2026):
    client.force_login(vera)
    html = client.get(reverse("edition_open", args=[2026])).content.decode()

    assert "Opent op 4 jan 2027, deadline 1 mrt 2027." in html


def test_it_shows_a_short_dutch_date_in_the_correction_banner(client, vera, edition_2026):
    opened = timezone.make_aware(datetime.datetime(2027, 10, 12, 10, 0))
    Edition.objects.filter(pk=edition_2026.pk).update(
        status=Edition.Status.PUBLISHED, correction_opened_at=opened, correction_reason="Tikfout"
    )
    client.force_login(vera)
    html = client.get(reverse("edition_overview", args=[2026])).content.decode()

    assert "Correctie geopend op 12 okt 2027, reden: Tikfout." in html


def test_it_says_when_a_submission_was_approved_in_the_short_dutch_date(submission_a, vera):
    submission_a.status = Submission.Status.APPROVED
    submission_a.approved_at = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 30))
    submission_a.approved_by = vera

    assert services.lock_reason(submission_a).startswith("Goedgekeurd op 1 dec 2026 door ")


def test_it_says_when_a_submission_was_submitted_in_the_short_dutch_date(submission_a):
    submission_a.status = Submission.Status.SUBMITTED
    submission_a.submitted_at = timezone.make_aware(datetime.datetime(2026, 9, 3, 9, 30))

    assert services.lock_reason(submission_a).startswith("Ingediend op 3 sep 2026;")
