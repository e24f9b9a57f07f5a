"""'Te laat' starts the day after the deadline, in Amsterdam time: the deadline day itself is on time (issue 11)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.submissions import services
from apps.submissions.models import Edition, Submission, SubmissionEvent, is_late

AMS = ZoneInfo("Europe/Amsterdam")
UTC = datetime.UTC
DEADLINE = datetime.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("submitted_at", "late"),
    [
        (datetime.datetime(2025, 3, 1, 0, 0, tzinfo=AMS), False),  # the first minute of the deadline day
        (datetime.datetime(2025, 3, 1, 23, 59, 59, tzinfo=AMS), False),  # its last second
        (datetime.datetime(2025, 3, 1, 22, 59, 59, tzinfo=UTC), False),  # = 23:59:59 in Amsterdam (CET)
        (datetime.datetime(2025, 3, 1, 23, 0, 0, tzinfo=UTC), True),  # = 00:00 on 2 March in Amsterdam
        (datetime.datetime(2025, 3, 2, 0, 0, tzinfo=AMS), True),  # the next day
        (datetime.datetime(2025, 2, 28, 12, 0, tzinfo=AMS), False),
    ],
)
def test_it_calls_a_submission_late_only_after_the_deadline_day_in_amsterdam(submitted_at, late):
    assert is_late(
        deadline=DEADLINE, edition_status=Edition.Status.OPEN, status=Submission.Status.SUBMITTED, submitted_at=submitted_at
    ) is late


@pytest.mark.parametrize(("today", "late"), [(DEADLINE, False), (DEADLINE + datetime.timedelta(days=1), True)])
def test_it_calls_a_missing_draft_late_from_the_day_after_the_deadline(today, late):
    assert is_late(
        deadline=DEADLINE, edition_status=Edition.Status.OPEN, status=Submission.Status.DRAFT, submitted_at=None, today=today
    ) is late


@pytest.mark.parametrize(
    ("now", "late"),
    [
        (datetime.datetime(2025, 3, 1, 22, 30, tzinfo=UTC), False),  # 23:30 on the deadline day in Amsterdam
        (datetime.datetime(2025, 3, 1, 23, 30, tzinfo=UTC), True),  # 00:30 the next day in Amsterdam, still 1 March in UTC
    ],
)
def test_it_marks_the_submit_step_late_only_after_the_deadline_day(submission_a, alice, monkeypatch, now, late):
    Edition.objects.filter(pk=submission_a.edition_id).update(deadline=DEADLINE)
    monkeypatch.setattr(timezone, "now", lambda: now)
    event = services.transition(submission_id=submission_a.pk, action=SubmissionEvent.Action.SUBMIT, user=alice)
    submission_a.refresh_from_db()
    assert event.late is late
    assert submission_a.is_late is late
