"""Background jobs: they take ids and call services."""

from celery import shared_task

from apps.submissions import drafts, notifications


@shared_task
def notify_transition(event_id: int) -> int:
    return notifications.notify_transition(event_id=event_id)


@shared_task
def send_deadline_reminders() -> int:
    return notifications.send_deadline_reminders()


@shared_task
def notify_edition(edition_id: int, kind: str) -> int:
    return notifications.notify_edition(edition_id=edition_id, kind=kind)


@shared_task
def send_reminder_mail(edition_id: int, organisation_id: int) -> int:
    return notifications.mail_reminder(edition_id=edition_id, organisation_id=organisation_id)


@shared_task
def delete_unclaimed_drafts() -> int:
    """Beat: delete the input kept after a session ended that nobody came back for; returns how many."""
    return drafts.delete_unclaimed()
