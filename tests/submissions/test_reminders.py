import datetime

import pytest
from django.core import mail

from apps.submissions import services
from apps.submissions.models import Edition, ReminderLog, SubmissionEvent
from apps.submissions.notifications import reminder_kind, send_deadline_reminders

DEADLINE = datetime.date(2025, 3, 1)


@pytest.fixture
def open_edition(edition_2024):
    Edition.objects.filter(pk=edition_2024.pk).update(deadline=DEADLINE)
    edition_2024.refresh_from_db()
    return edition_2024


@pytest.mark.parametrize(
    "today, kind",
    [
        (DEADLINE - datetime.timedelta(days=14), "voor-14"),
        (DEADLINE - datetime.timedelta(days=3), "voor-3"),
        (DEADLINE - datetime.timedelta(days=5), None),
        (DEADLINE, None),
        (DEADLINE + datetime.timedelta(days=7), "te-laat"),
        (DEADLINE + datetime.timedelta(days=8), None),
        (DEADLINE + datetime.timedelta(days=14), "te-laat"),
    ],
)
def test_it_knows_which_reminder_is_due(open_edition, today, kind):
    assert reminder_kind(open_edition, today) == kind


def test_it_reminds_organisations_that_have_not_submitted_once_a_day(open_edition, alice, charlie, submission_a):
    services.transition(submission_id=submission_a.pk, action=SubmissionEvent.Action.SUBMIT, user=alice)
    mail.outbox.clear()
    day = DEADLINE - datetime.timedelta(days=3)
    sent = send_deadline_reminders(today=day)
    recipients = {address for message in mail.outbox for address in message.to}
    assert charlie.email in recipients  # Dordrecht has not submitted
    assert alice.email not in recipients  # Rotterdam has
    assert sent == len(mail.outbox)
    assert "uiterlijk 01-03-2025" in mail.outbox[0].subject
    assert send_deadline_reminders(today=day) == 0  # idempotent on the same day
    assert ReminderLog.objects.filter(kind="voor-3").count() >= 1


def test_it_declares_the_daily_beat_job(settings):
    job = settings.CELERY_BEAT_SCHEDULE["deadline-reminders"]
    assert job["task"] == "apps.submissions.tasks.send_deadline_reminders"
    assert settings.REMINDER_DAYS_BEFORE_DEADLINE == (14, 3)
