"""Background jobs of the monitor: they take plain values and call `jobs`/`services`."""

from celery import shared_task

from apps.monitor import jobs


@shared_task
def build_export(year: int, variant: str, language: str = "nl") -> str:
    """Build an export into the cache (with progress); returns the key it is stored under."""
    return jobs.run(year=year, variant=variant, language=language)
