"""Export jobs: a download is built by a Celery task, shows its progress, and is kept until the data changes.

No model: the file and a small status dict live in Django's cache (Redis in production, shared by
the web processes and the worker; local memory in development and tests, where Celery runs the
task eagerly inside the request). Both are stored under the *fingerprint* of everything the file
is built from (`apps.monitor.cache`): any change gives a new key, so a file is never served for
data it was not built from, and nothing needs to be invalidated: old entries simply expire.

Building is recorded nowhere; every download is recorded in the audit log (by the view).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone, translation

from apps.monitor import services
from apps.monitor.cache import data_fingerprint
from apps.submissions.models import Edition

logger = logging.getLogger(__name__)

FILE_SECONDS = 7 * 24 * 3600  # a file unused for a week is dropped; it is rebuilt on request
STATUS_SECONDS = 24 * 3600
STALE_SECONDS = 15 * 60  # a job without progress for this long has died (worker restart): build again

MISSING, QUEUED, RUNNING, READY, FAILED = "missing", "queued", "running", "ready", "failed"
BUSY = (QUEUED, RUNNING)


@dataclass(frozen=True)
class ExportJob:
    """One export of one state of the data: the key changes whenever the data does."""

    year: int
    variant: str
    language: str
    key: str

    @property
    def file_key(self) -> str:
        return f"monitor:export:file:{self.key}"

    @property
    def status_key(self) -> str:
        return f"monitor:export:status:{self.key}"

    @property
    def filename(self) -> str:
        return services.export_filename(self.year, self.variant)

    @property
    def content_type(self) -> str:
        return services.EXPORT_VARIANTS[self.variant][1]


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    built_at: str  # ISO 8601

    @property
    def size(self) -> int:
        return len(self.content)


def job_for(edition: Edition, variant: str, language: str | None = None) -> ExportJob:
    """The job for the current data of the edition, in the current language."""
    language = language or translation.get_language() or "nl"
    return ExportJob(year=edition.year, variant=variant, language=language, key=data_fingerprint(edition, variant, language))


# -- status ------------------------------------------------------------------------------------------


def _write_status(job: ExportJob, state: str, done: int = 0, total: int = 0, **extra) -> dict:
    status = {"state": state, "done": done, "total": total, "updated": time.time(), **extra}
    cache.set(job.status_key, status, STATUS_SECONDS)
    return status


def status(job: ExportJob) -> dict:
    """{"state": missing|queued|running|ready|failed, "done": n, "total": m, ...} of the job."""
    found = cache.get(job.status_key)
    if found is None:
        # The status expired, the file may still be there.
        return {"state": READY, "done": 1, "total": 1} if cache.has_key(job.file_key) else {"state": MISSING}
    if found["state"] == READY and not cache.has_key(job.file_key):
        return {"state": MISSING}  # evicted from the cache: build again
    if found["state"] in BUSY and time.time() - found.get("updated", 0) > STALE_SECONDS:
        return {**found, "state": FAILED, "error": "stale"}
    return found


def percent(found: dict) -> int | None:
    """Progress in percent, or None while nothing is known yet."""
    if found["state"] == READY:
        return 100
    if not found.get("total"):
        return None
    return min(100, int(100 * found.get("done", 0) / found["total"]))


def start(job: ExportJob) -> dict:
    """Queue the build unless the file is there or being built; returns the status.

    In development and tests Celery runs the task eagerly, so the file is ready on return.
    """
    from apps.monitor.tasks import build_export

    current = status(job)
    if current["state"] in (READY, *BUSY):
        return current
    queued = {"state": QUEUED, "done": 0, "total": 0, "updated": time.time()}
    if cache.get(job.status_key) is None:
        if not cache.add(job.status_key, queued, STATUS_SECONDS):
            return status(job)  # someone else queued it a moment ago
    else:
        cache.set(job.status_key, queued, STATUS_SECONDS)  # failed, stuck, or built but evicted
    try:
        build_export.delay(job.year, job.variant, job.language)
    except Exception as error:  # no broker, or (eager tasks) the build itself failed
        if status(job)["state"] != FAILED:
            _write_status(job, FAILED, error=type(error).__name__)
        raise
    return status(job)


# -- building ----------------------------------------------------------------------------------------


def run(*, year: int, variant: str, language: str) -> str:
    """Build the export (the Celery task's body); returns the key it is stored under."""
    with translation.override(language):
        edition = Edition.objects.get(year=year)
        job = job_for(edition, variant, language)
        _write_status(job, RUNNING)

        def progress(done: int, total: int) -> None:
            _write_status(job, RUNNING, done, total)

        try:
            content = services.build_export(year=year, variant=variant, progress=progress, fingerprint=job.key)
        except Exception as error:
            _write_status(job, FAILED, error=type(error).__name__)
            raise
        if job_for(edition, variant, language).key != job.key:
            # The data changed while the file was built: it may mix old and new figures.
            logger.info("Export %s %s: data changed during the build; not kept.", year, variant)
            _write_status(job, FAILED, error="changed")
            return job.key
        built_at = timezone.now().isoformat()
        cache.set(job.file_key, {"content": content, "built_at": built_at}, FILE_SECONDS)
        _write_status(job, READY, 1, 1, size=len(content), built_at=built_at)
        return job.key


def cached_file(job: ExportJob) -> ExportFile | None:
    found = cache.get(job.file_key)
    if found is None:
        return None
    return ExportFile(content=found["content"], built_at=found["built_at"])
