"""Background jobs of the partners app: they take ids and call services."""

from celery import shared_task

from apps.partners import emails


@shared_task
def send_invitation(membership_id: int, site_url: str | None = None) -> None:
    emails.send_invitation(membership_id=membership_id, site_url=site_url)


@shared_task
def send_added_mail(membership_id: int, site_url: str | None = None) -> None:
    emails.send_added(membership_id=membership_id, site_url=site_url)


@shared_task
def clear_expired_sessions() -> None:
    """Expired sessions stay in the session table until something deletes them (Django's
    `clearsessions` does the same): daily, so the table holds only live sessions."""
    from importlib import import_module

    from django.conf import settings

    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
