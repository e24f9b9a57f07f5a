"""Export jobs: a download is built by a Celery task, shows its progress, and is kept until the data changes.

A `CachedFile` row per file and state of the data (its *fingerprint*, `apps.monitor.cache`): asking
for a file computes the fingerprint once and finds or creates the row; the Celery task builds the
file into Django's storage (`default_storage`) and fills in the row. Progress while it builds is
the task's own state (`update_state(state="PROGRESS", meta={"done": n, "total": m})`, read with
`AsyncResult` from the result backend: Redis in production). Polling reads the row by id and the
task's state: no fingerprint. With eager tasks (development, tests) the file is ready when the
request that asked for it returns, and the row alone gives the state.

Any change of the data gives a new fingerprint, so a file is never served for data it was not
built from (the download checks), and nothing is invalidated: rows expire, and the beat job
`tasks.delete_expired_files` deletes them with their files.

Building is recorded nowhere; every download is recorded in the audit log (by the view).
"""

from __future__ import annotations

import datetime
import logging
import uuid

from celery.backends.base import DisabledBackend
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from apps.monitor import services
from apps.monitor.cache import data_fingerprint
from apps.monitor.models import CachedFile
from apps.submissions.models import Edition

logger = logging.getLogger(__name__)

FILE_LIFETIME = datetime.timedelta(days=7)  # a file not downloaded for a week is deleted; rebuilt on request
STALE = datetime.timedelta(minutes=15)  # a build that has not finished by then has died (worker restart)

MISSING, QUEUED, RUNNING, READY, FAILED = "missing", "queued", "running", "ready", "failed"
BUSY = (QUEUED, RUNNING)


def fingerprint(edition: Edition, variant: str, language: str) -> str:
    return data_fingerprint(edition, variant, language)


def current_file(edition: Edition, variant: str, language: str | None = None) -> CachedFile | None:
    """The row for the current data of the edition (one fingerprint), or None."""
    language = language or translation.get_language() or "nl"
    return CachedFile.objects.filter(
        kind=CachedFile.Kind.EXPORT,
        year=edition.year,
        variant=variant,
        language=language,
        fingerprint=fingerprint(edition, variant, language),
    ).first()


def is_current(cached: CachedFile) -> bool:
    """Whether the data is still what the file was built from (one fingerprint)."""
    edition = Edition.objects.get(year=cached.year)
    return fingerprint(edition, cached.variant, cached.language) == cached.fingerprint


# -- state -------------------------------------------------------------------------------------------


def _task_state(task_id: str) -> tuple[str, dict]:
    """The Celery state and meta of a task, or ("PENDING", {}) without a result backend."""
    from apps.monitor.tasks import build_export

    conf = build_export.app.conf
    if isinstance(build_export.backend, DisabledBackend) or (conf.task_always_eager and not conf.task_store_eager_result):
        return "PENDING", {}  # no result backend (or eager tasks, which store nothing): only the row knows
    result = build_export.AsyncResult(task_id)
    state = result.state
    info = result.info if isinstance(result.info, dict) else {}
    return state, info


def status(cached: CachedFile | None) -> dict:
    """{"state": missing|queued|running|ready|failed, "done": n, "total": m[, "error": code]}."""
    if cached is None:
        return {"state": MISSING, "done": 0, "total": 0}
    if cached.ready:
        return {"state": READY, "done": 1, "total": 1}
    if cached.error:
        return {"state": FAILED, "done": 0, "total": 0, "error": cached.error}
    if cached.queued_at is None or timezone.now() - cached.queued_at > STALE:
        return {"state": FAILED, "done": 0, "total": 0, "error": "stale"}
    state, info = _task_state(cached.task_id)
    if state == "PROGRESS":
        return {"state": RUNNING, "done": int(info.get("done", 0)), "total": int(info.get("total", 0))}
    if state == "STARTED":
        return {"state": RUNNING, "done": 0, "total": 0}
    if state == "FAILURE":
        return {"state": FAILED, "done": 0, "total": 0, "error": "task"}
    if state == "SUCCESS":
        # Finished since the row was read: the row has the outcome (a file, or why not).
        cached.refresh_from_db()
        return status(cached) if (cached.ready or cached.error) else {"state": FAILED, "done": 0, "total": 0, "error": "task"}
    return {"state": QUEUED, "done": 0, "total": 0}


def percent(found: dict) -> int | None:
    """Progress in percent, or None while nothing is known yet."""
    if found["state"] == READY:
        return 100
    if not found.get("total"):
        return None
    return min(100, int(100 * found.get("done", 0) / found["total"]))


# -- starting ----------------------------------------------------------------------------------------


def start(*, edition: Edition, variant: str, language: str | None = None) -> CachedFile:
    """The row for the current data, with its build queued unless it is there, being built or failed just now.

    A failed or stale build is queued again. In development and tests Celery runs the task
    eagerly, so the file is ready on return (or the row says why not).
    """
    language = language or translation.get_language() or "nl"
    key = fingerprint(edition, variant, language)
    lookup = {"kind": CachedFile.Kind.EXPORT, "year": edition.year, "variant": variant, "language": language, "fingerprint": key}
    defaults = {
        "filename": services.export_filename(edition.year, variant),
        "content_type": services.EXPORT_VARIANTS[variant][1],
        "expires_at": timezone.now() + FILE_LIFETIME,
    }
    try:
        with transaction.atomic():
            cached, __ = CachedFile.objects.get_or_create(**lookup, defaults=defaults)
    except IntegrityError:  # created by someone else a moment ago
        cached = CachedFile.objects.get(**lookup)
    current = status(cached)
    if current["state"] in (READY, *BUSY):
        return cached
    # Nobody builds it (new, failed or stale): claim it, unless someone else just did.
    task_id = str(uuid.uuid4())
    claimed = CachedFile.objects.filter(pk=cached.pk, task_id=cached.task_id, file="").update(
        task_id=task_id, error="", queued_at=timezone.now(), expires_at=timezone.now() + FILE_LIFETIME
    )
    if claimed:
        from apps.monitor.tasks import build_export

        try:
            build_export.apply_async(args=[cached.pk], task_id=task_id)
        except Exception as error:  # no broker, or (eager tasks) the build itself failed
            CachedFile.objects.filter(pk=cached.pk, task_id=task_id, error="").update(error=type(error).__name__[:64])
            raise
    cached.refresh_from_db()
    return cached


# -- building ----------------------------------------------------------------------------------------


def run(*, file_id: int, task=None) -> int:
    """Build the file of a row (the Celery task's body); returns its size in bytes (0: not kept).

    `task`: the bound Celery task, whose state carries the progress.
    """
    cached = CachedFile.objects.get(pk=file_id)
    if cached.ready:
        return cached.size

    def progress(done: int, total: int) -> None:
        if task is not None:
            task.update_state(state="PROGRESS", meta={"done": done, "total": total})

    with translation.override(cached.language):
        try:
            content = services.build_export(
                year=cached.year, variant=cached.variant, progress=progress, fingerprint=cached.fingerprint
            )
        except Exception as error:
            CachedFile.objects.filter(pk=cached.pk).update(error=type(error).__name__[:64])
            raise
        if not is_current(cached):
            # The data changed since the file was asked for: it may mix old and new figures.
            logger.info("Export %s %s: the data changed during the build; not kept.", cached.year, cached.variant)
            CachedFile.objects.filter(pk=cached.pk).update(error="changed")
            return 0
    now = timezone.now()
    cached.file.save(cached.filename, ContentFile(content), save=False)
    cached.size, cached.built_at, cached.expires_at = len(content), now, now + FILE_LIFETIME
    cached.save(update_fields=["file", "size", "built_at", "expires_at"])
    return cached.size


def touch(cached: CachedFile) -> None:
    """A downloaded file is kept another week."""
    CachedFile.objects.filter(pk=cached.pk).update(expires_at=timezone.now() + FILE_LIFETIME)


def delete_expired(now: datetime.datetime | None = None) -> int:
    """Delete expired rows and their files; returns how many."""
    now = now or timezone.now()
    deleted = 0
    for cached in CachedFile.objects.filter(expires_at__lt=now).iterator():
        if cached.file:
            cached.file.delete(save=False)
        cached.delete()
        deleted += 1
    return deleted
