"""Export jobs: built by a (here eager) Celery task into storage, progress from the task's state."""

from __future__ import annotations

import datetime

import pytest
from celery.backends.cache import CacheBackend
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from apps.monitor import jobs, services
from apps.monitor.models import CachedFile
from apps.monitor.tasks import build_export, delete_expired_files
from apps.partners.models import AuditEvent, Organisation
from apps.submissions.models import Edition, Submission, Value
from tests.monitor.conftest import read_tables


def build_url(year: int, variant: str) -> str:
    return reverse("monitor_export_build", args=[year, variant])


def status_url(year: int, variant: str) -> str:
    return reverse("monitor_export_status", args=[year, variant])


def file_url(cached: CachedFile) -> str:
    return reverse("monitor_export_file", args=[cached.year, cached.variant, cached.pk])


def progress_url(cached: CachedFile) -> str:
    return reverse("monitor_export_progress", args=[cached.year, cached.variant, cached.pk])


def download_url(cached: CachedFile) -> str:
    return reverse("monitor_export_download", args=[cached.year, cached.variant, cached.pk])


def latest(variant: str = "internal") -> CachedFile:
    return CachedFile.objects.filter(variant=variant).latest("pk")


def key(year: int = 2023, variant: str = "internal", language: str = "nl") -> str:
    return jobs.fingerprint(Edition.objects.get(year=year), variant, language)


@pytest.fixture
def builds(monkeypatch) -> list[tuple[int, str]]:
    """Count the builds (the task calls services.build_export)."""
    calls: list[tuple[int, str]] = []
    real = services.build_export

    def counting(*, year, variant, progress=None, fingerprint=None):
        calls.append((year, variant))
        return real(year=year, variant=variant, progress=progress, fingerprint=fingerprint)

    monkeypatch.setattr(services, "build_export", counting)
    return calls


@pytest.fixture
def results(monkeypatch) -> CacheBackend:
    """A real Celery result backend (in memory) for the export task, as Redis is in production."""
    app = build_export.app
    backend = CacheBackend(app=app, url="memory://")
    monkeypatch.setattr(app.tasks[build_export.name], "backend", backend)
    # Eager tasks (tests) store their state only when asked to.
    monkeypatch.setitem(app.conf, "task_store_eager_result", True)
    return backend


def queued_row(variant: str = "internal", task_id: str = "task-1", **fields) -> CachedFile:
    """A row as `jobs.start` leaves it while a worker builds the file."""
    return CachedFile.objects.create(
        year=2023,
        variant=variant,
        language="nl",
        fingerprint=key(variant=variant),
        task_id=task_id,
        queued_at=fields.pop("queued_at", timezone.now()),
        expires_at=timezone.now() + jobs.FILE_LIFETIME,
        filename=services.export_filename(2023, variant),
        content_type=services.EXPORT_VARIANTS[variant][1],
        **fields,
    )


def test_it_builds_a_file_once_into_storage_and_serves_it_until_the_data_changes(client, vera, demo, builds):
    client.force_login(vera)
    response = client.post(build_url(2023, "internal"))
    cached = latest()
    assert response["Location"] == file_url(cached)
    assert client.post(build_url(2023, "internal"))["Location"] == file_url(cached)  # there already: not built again
    assert cached.ready and default_storage.exists(cached.file.name) and cached.size == default_storage.size(cached.file.name)
    assert cached.task_id and cached.built_at and cached.fingerprint == key()
    first = client.get(download_url(cached))
    content = b"".join(first.streaming_content)
    assert first["Content-Disposition"] == 'attachment; filename="mensenhandelmonitor-2023-intern.xlsx"'
    assert b"".join(client.get(download_url(cached)).streaming_content) == content
    assert builds == [(2023, "internal")]
    # Every download is recorded, not every build.
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=vera).count() == 2

    value = Value.objects.get(
        submission__edition__year=2023, indicator__code="pol_informatieve_gesprekken", row="seksueel", col="_total"
    )
    value.number = 42
    value.save()
    # The file of the old figures is not served any more.
    assert client.get(download_url(cached))["Location"] == status_url(2023, "internal")
    assert "Bestand maken" in client.get(status_url(2023, "internal")).content.decode()
    client.post(build_url(2023, "internal"))
    assert builds == [(2023, "internal")] * 2
    tables = read_tables(b"".join(client.get(download_url(latest())).streaming_content))
    assert tables["Politie"]["Informatieve gesprekken mensenhandel"]["Seksuele uitbuiting"]["2023"].value == 42


def test_it_links_the_ready_file_on_its_page_for_a_one_click_download(client, vera, demo):
    client.force_login(vera)
    client.post(build_url(2023, "csv"))
    cached = latest("csv")
    for page in (status_url(2023, "csv"), file_url(cached)):  # the page of the current data, and of the file
        html = client.get(page).content.decode()
        assert f'href="{download_url(cached)}"' in html and "Het bestand is klaar" in html
    assert client.get(progress_url(cached)).json() == {
        "state": "ready", "done": 1, "total": 1, "percent": 100, "download_url": download_url(cached),
    }  # fmt: skip


def test_it_shares_the_public_workbook_between_staff_and_partners(client, vera, alice, demo, builds):
    client.force_login(alice)
    client.post(build_url(2023, "public"))
    client.force_login(vera)
    assert client.post(build_url(2023, "public"))["Location"] == file_url(latest("public"))
    assert client.get(download_url(latest("public"))).status_code == 200
    assert builds == [(2023, "public")]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk")
    assert [e.actor for e in events] == [vera]


def test_it_gives_outsiders_a_404_for_files_they_may_not_have(client, vera, charlie, demo):
    client.force_login(vera)
    client.post(build_url(2023, "internal"))
    internal = latest()
    client.force_login(charlie)
    for url in (file_url(internal), progress_url(internal), download_url(internal), status_url(2023, "internal")):
        assert client.get(url).status_code == 404
    assert client.post(build_url(2023, "internal")).status_code == 404
    # A file's id under another variant or year is no way round it.
    other = reverse("monitor_export_download", args=[2023, "public", internal.pk])
    assert client.get(other).status_code == 404


def test_it_gives_a_new_key_whenever_the_data_changes(demo, settings):
    internal, public = key(variant="internal"), key(variant="public")
    assert key(variant="internal") == internal  # stable while nothing changes
    assert len({internal, public, key(variant="raw"), key(variant="csv")}) == 4
    assert key(language="en") != internal

    settings.SUPPRESSION_THRESHOLD = 10
    assert key(variant="public") != public
    assert key(variant="internal") == internal  # the threshold only matters in public
    settings.SUPPRESSION_THRESHOLD = 5

    keys = {internal}
    # A status change without the workflow (no version bump, no timestamp).
    Submission.objects.filter(edition__year=2023, organisation__slug="gemeente-dordrecht").update(status="approved")
    keys.add(key())
    Organisation.objects.filter(slug="gemeente-rotterdam").update(short_name="Rotterdam (gemeente)")
    keys.add(key())
    # An earlier edition shown beside it.
    Value.objects.filter(submission__edition__year=2022).first().save()
    keys.add(key())
    Edition.objects.filter(year=2023).update(catalogue_version="other")
    keys.add(key())
    assert len(keys) == 5


def test_it_shows_the_progress_the_task_reports(client, vera, demo, results):
    client.force_login(vera)
    cached = queued_row()
    assert client.get(progress_url(cached)).json() == {"state": "queued", "done": 0, "total": 0, "percent": None}
    results.store_result("task-1", {"done": 3, "total": 10}, "PROGRESS")
    assert client.get(progress_url(cached)).json() == {"state": "running", "done": 3, "total": 10, "percent": 30}
    page = client.get(file_url(cached))
    html = page.content.decode()
    assert 'value="30"' in html and "<progress" in html
    # Without JavaScript: a plain link to the same page (no meta refresh, no inline script).
    assert f'href="{file_url(cached)}"' in html and "Vernieuwen" in html
    assert "/static/monitor/export.js" in html and "<script>" not in html and "http-equiv" not in html
    assert f'data-export-progress-url="{progress_url(cached)}"' in html
    assert download_url(cached) not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_it_reads_progress_without_computing_the_fingerprint(client, vera, demo, results, monkeypatch):
    client.force_login(vera)
    cached = queued_row()
    results.store_result("task-1", {"done": 1, "total": 4}, "PROGRESS")

    def forbidden(*args):
        raise AssertionError("the fingerprint is computed once per build, not per poll")

    monkeypatch.setattr(jobs, "data_fingerprint", forbidden)
    assert client.get(progress_url(cached)).json()["percent"] == 25
    assert client.get(file_url(cached)).status_code == 200


def test_it_reports_progress_through_the_task_state_while_building(demo, results, monkeypatch):
    states: list[tuple[str, dict]] = []
    real = build_export.update_state

    def spy(*, state, meta):
        states.append((state, meta))
        return real(state=state, meta=meta)

    monkeypatch.setattr(build_export, "update_state", spy)
    cached = jobs.start(edition=Edition.objects.get(year=2023), variant="internal", language="nl")
    # The report, the cover, seven chapters and saving: ten steps, in order.
    assert [meta["done"] for __, meta in states] == list(range(1, 11))
    assert {state for state, __ in states} == {"PROGRESS"} and states[-1][1] == {"done": 10, "total": 10}
    assert jobs.status(cached)["state"] == jobs.READY  # eager: the row is the outcome


def test_it_does_not_start_a_second_build_of_the_same_file(client, vera, demo, builds, results):
    client.force_login(vera)
    cached = queued_row()
    results.store_result("task-1", {"done": 1, "total": 10}, "PROGRESS")
    assert client.post(build_url(2023, "internal"))["Location"] == file_url(cached)
    assert builds == []
    # A build that has not finished long after it was queued has died (a restarted worker).
    CachedFile.objects.filter(pk=cached.pk).update(queued_at=timezone.now() - datetime.timedelta(hours=1))
    assert "blijven steken" in client.get(file_url(cached)).content.decode()
    client.post(build_url(2023, "internal"))
    assert builds == [(2023, "internal")]
    cached.refresh_from_db()
    assert cached.ready and cached.task_id != "task-1"


def test_it_says_so_when_a_build_fails_and_lets_staff_try_again(client, vera, demo, monkeypatch):
    client.force_login(vera)
    real = services.build_export

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "build_export", broken)
    response = client.post(build_url(2023, "raw"))
    cached = latest("raw")
    assert response.status_code == 302 and response["Location"] == file_url(cached)
    assert cached.error == "RuntimeError" and not cached.ready
    html = client.get(file_url(cached)).content.decode()
    assert "mislukt" in html and "Opnieuw proberen" in html and "disk full" not in html
    assert client.get(download_url(cached))["Location"] == status_url(2023, "raw")
    monkeypatch.setattr(services, "build_export", real)
    client.post(build_url(2023, "raw"))
    assert client.get(download_url(cached)).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1


def test_it_says_so_when_a_task_failed_in_the_worker(client, vera, demo, results):
    client.force_login(vera)
    cached = queued_row()
    results.mark_as_failure("task-1", RuntimeError("worker lost"))
    assert client.get(progress_url(cached)).json()["state"] == "failed"
    assert "Opnieuw proberen" in client.get(file_url(cached)).content.decode()


def test_it_does_not_keep_a_file_when_the_data_changed_during_the_build(demo, monkeypatch):
    real = services.build_export

    def changing(**kwargs):
        content = real(**kwargs)
        Value.objects.filter(submission__edition__year=2023, submission__status="approved").first().save()
        return content

    monkeypatch.setattr(services, "build_export", changing)
    cached = jobs.start(edition=Edition.objects.get(year=2023), variant="internal", language="nl")
    assert not cached.ready and cached.error == "changed"
    assert jobs.status(cached) == {"state": "failed", "done": 0, "total": 0, "error": "changed"}


def test_it_reports_progress_per_sheet_and_per_chunk_of_lines(demo):
    for build in (
        lambda progress: services.build_edition_workbook(year=2023, public=False, progress=progress),
        lambda progress: services.build_raw_export(year=2023, csv=False, progress=progress),
        lambda progress: services.build_raw_export(year=2023, csv=True, progress=progress),
    ):
        calls: list[tuple[int, int]] = []
        build(lambda done, total, calls=calls: calls.append((done, total)))
        assert calls and calls[-1][0] == calls[-1][1]
        assert [done for done, __ in calls] == sorted(done for done, __ in calls)
        assert all(0 < done <= total for done, total in calls)


def test_it_computes_the_fingerprint_once_to_ask_and_once_to_check_a_build(demo, monkeypatch):
    from apps.monitor import cache as report_cache

    calls = []
    real = report_cache.data_fingerprint

    def counting(*args):
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(report_cache, "data_fingerprint", counting)
    monkeypatch.setattr(jobs, "data_fingerprint", counting)
    cached = jobs.start(edition=Edition.objects.get(year=2023), variant="internal", language="nl")
    assert calls == ["internal", "internal"]  # the row's key, and the check that the data did not change meanwhile
    assert jobs.status(cached)["state"] == jobs.READY and calls == ["internal", "internal"]


def test_it_deletes_expired_files_and_their_rows_in_the_beat_job(demo, settings):
    edition = Edition.objects.get(year=2023)
    old = jobs.start(edition=edition, variant="csv", language="nl")
    fresh = jobs.start(edition=edition, variant="raw", language="nl")
    CachedFile.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert "monitor-delete-expired-files" in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["monitor-delete-expired-files"]["task"] == delete_expired_files.name
    assert delete_expired_files.delay().get() == 1
    assert not default_storage.exists(old.file.name) and default_storage.exists(fresh.file.name)
    assert list(CachedFile.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_it_keeps_a_downloaded_file_another_week(client, vera, demo):
    client.force_login(vera)
    client.post(build_url(2023, "csv"))
    cached = latest("csv")
    CachedFile.objects.filter(pk=cached.pk).update(expires_at=timezone.now() + datetime.timedelta(hours=1))
    client.get(download_url(cached))
    cached.refresh_from_db()
    assert cached.expires_at > timezone.now() + datetime.timedelta(days=6)


def test_it_builds_again_when_the_file_was_deleted(client, vera, demo, builds):
    client.force_login(vera)
    client.post(build_url(2023, "csv"))
    jobs.delete_expired(now=timezone.now() + datetime.timedelta(days=8))  # not downloaded for a week
    assert client.get(status_url(2023, "csv")).status_code == 200  # no file: the build button
    client.post(build_url(2023, "csv"))
    assert builds == [(2023, "csv")] * 2
    assert b"".join(client.get(download_url(latest("csv"))).streaming_content).startswith(b"\xef\xbb\xbfeditie;")
