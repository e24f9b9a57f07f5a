"""Background jobs of the partners app: they take ids and call services."""

from celery import shared_task

from apps.partners import emails


@shared_task
def send_invitation(membership_id: int) -> None:
    emails.send_invitation(membership_id=membership_id)
