"""Background jobs of the monitor: they take plain values and call `jobs`/`services`."""

from celery import shared_task

from apps.monitor import cache, jobs


@shared_task
def build_export(year: int, variant: str, language: str = "nl") -> str:
    """Build an export into the cache (with progress); returns the key it is stored under."""
    return jobs.run(year=year, variant=variant, language=language)


@shared_task
def refresh_reports(year: int) -> list[int]:
    """Build the reports of the editions that show `year` into the cache; returns their years."""
    return cache.refresh_reports(year=year)
