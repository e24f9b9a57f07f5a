"""Background jobs of the monitor: they take plain values (ids) and call `jobs`/`cache`."""

from celery import shared_task

from apps.monitor import cache, jobs


@shared_task(bind=True)
def build_export(self, file_id: int) -> int:
    """Build the file of a `CachedFile` row into storage; progress in the task's state. Returns its size."""
    return jobs.run(file_id=file_id, task=self)


@shared_task
def delete_expired_files() -> int:
    """Beat: delete expired built files and their rows; returns how many."""
    return jobs.delete_expired()


@shared_task
def refresh_reports(year: int) -> list[int]:
    """Build the reports of the editions that show `year` into the cache; returns their years."""
    return cache.refresh_reports(year=year)
