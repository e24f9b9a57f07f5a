"""Refresh the cached monitor in the background when approved figures or an edition's state change."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.submissions.models import Edition, Submission, SubmissionEvent, Value


def _refresh_after_commit(year: int) -> None:
    """Queue `refresh_reports(year)` when the transaction commits, once per year and transaction."""
    from apps.monitor.tasks import refresh_reports

    connection = transaction.get_connection()
    # Approving many submissions in one transaction asks for one refresh, not one each.
    if any(getattr(callback, "refresh_year", None) == year for __, callback, __ in connection.run_on_commit):
        return

    def refresh() -> None:
        refresh_reports.delay(year)

    refresh.refresh_year = year
    # robust: the refresh is a convenience; it never fails the approval that asked for it.
    transaction.on_commit(refresh, robust=True)


@receiver(post_save, sender=SubmissionEvent)
def approved_figures_changed(sender, instance: SubmissionEvent, created: bool, **kwargs) -> None:
    """An approval, or a reopened approval, changes what the monitor shows."""
    if created and Submission.Status.APPROVED in (instance.from_status, instance.to_status):
        _refresh_after_commit(instance.submission.edition.year)


@receiver(post_save, sender=Edition)
def edition_state_changed(sender, instance: Edition, update_fields=None, **kwargs) -> None:
    """Publishing, closing or reopening an edition with approved figures changes its reports' key."""
    if (
        update_fields
        and "status" in update_fields
        and Submission.objects.filter(edition=instance, status=Submission.Status.APPROVED).exists()
    ):
        _refresh_after_commit(instance.year)


@receiver([post_save, post_delete], sender=Value)
def value_written(sender, **kwargs) -> None:
    """A figure saved one by one (the services write in bulk and raise the submission's version)."""
    from apps.monitor.cache import values_written

    values_written()
