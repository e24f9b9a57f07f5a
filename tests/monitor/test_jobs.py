"""Export jobs: built by a (here eager) Celery task with progress, cached until the data changes."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.monitor import jobs, services
from apps.partners.models import AuditEvent, Organisation
from apps.submissions.models import Edition, Submission, Value
from tests.monitor.conftest import read_tables


def build_url(year: int, variant: str) -> str:
    return reverse("monitor_export_build", args=[year, variant])


def status_url(year: int, variant: str) -> str:
    return reverse("monitor_export_status", args=[year, variant])


def progress_url(year: int, variant: str) -> str:
    return reverse("monitor_export_progress", args=[year, variant])


def download_url(year: int, variant: str) -> str:
    return reverse("monitor_export_download", args=[year, variant])


def job(year: int = 2023, variant: str = "internal", language: str = "nl") -> jobs.ExportJob:
    return jobs.job_for(Edition.objects.get(year=year), variant, language)


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


def test_it_builds_a_file_once_and_serves_it_until_the_data_changes(client, vera, demo, builds):
    client.force_login(vera)
    client.post(build_url(2023, "internal"))
    client.post(build_url(2023, "internal"))  # already there: not built again
    first = client.get(download_url(2023, "internal")).content
    assert client.get(download_url(2023, "internal")).content == first
    assert builds == [(2023, "internal")]
    # Every download is recorded, not every build.
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=vera).count() == 2

    value = Value.objects.get(
        submission__edition__year=2023, indicator__code="pol_informatieve_gesprekken", row="seksueel", col="_total"
    )
    value.number = 42
    value.save()
    # The file of the old figures is not served any more.
    assert client.get(download_url(2023, "internal"))["Location"] == status_url(2023, "internal")
    assert "Bestand maken" in client.get(status_url(2023, "internal")).content.decode()
    client.post(build_url(2023, "internal"))
    assert builds == [(2023, "internal")] * 2
    tables = read_tables(client.get(download_url(2023, "internal")).content)
    assert tables["Politie"]["Informatieve gesprekken mensenhandel"]["Seksuele uitbuiting"]["2023"].value == 42


def test_it_shares_the_public_workbook_between_staff_and_partners(client, vera, alice, demo, builds):
    client.force_login(alice)
    client.post(build_url(2023, "public"))
    client.force_login(vera)
    assert client.get(download_url(2023, "public")).status_code == 200
    assert builds == [(2023, "public")]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk")
    assert [e.actor for e in events] == [vera]


def test_it_gives_a_new_key_whenever_the_data_changes(demo, settings):
    internal, public = job(variant="internal"), job(variant="public")
    assert job(variant="internal") == internal  # stable while nothing changes
    assert len({internal.key, public.key, job(variant="raw").key, job(variant="csv").key}) == 4
    assert job(language="en").key != internal.key

    settings.SUPPRESSION_THRESHOLD = 10
    assert job(variant="public").key != public.key
    assert job(variant="internal").key == internal.key  # the threshold only matters in public
    settings.SUPPRESSION_THRESHOLD = 5

    keys = {internal.key}
    # A status change without the workflow (no version bump, no timestamp).
    Submission.objects.filter(edition__year=2023, organisation__slug="gemeente-dordrecht").update(status="approved")
    keys.add(job().key)
    Organisation.objects.filter(slug="gemeente-rotterdam").update(short_name="Rotterdam (gemeente)")
    keys.add(job().key)
    # An earlier edition shown beside it.
    Value.objects.filter(submission__edition__year=2022).first().save()
    keys.add(job().key)
    Edition.objects.filter(year=2023).update(catalogue_version="other")
    keys.add(job().key)
    assert len(keys) == 5


def test_it_shows_progress_while_a_file_is_built(client, vera, demo):
    client.force_login(vera)
    running = job()
    cache.set(running.status_key, {"state": "running", "done": 3, "total": 10, "updated": time.time()})
    progress = client.get(progress_url(2023, "internal")).json()
    assert progress == {"state": "running", "done": 3, "total": 10, "percent": 30}
    page = client.get(status_url(2023, "internal"))
    html = page.content.decode()
    assert 'value="30"' in html and "<progress" in html
    # Without JavaScript: a plain link to the same page (no meta refresh, no inline script).
    assert f'href="{status_url(2023, "internal")}"' in html and "Vernieuwen" in html
    assert "/static/monitor/export.js" in html and "<script>" not in html and "http-equiv" not in html
    assert download_url(2023, "internal") not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_it_does_not_start_a_second_build_of_the_same_file(client, vera, demo, builds):
    client.force_login(vera)
    running = job()
    cache.set(running.status_key, {"state": "running", "done": 1, "total": 10, "updated": time.time()})
    assert client.post(build_url(2023, "internal")).status_code == 302
    assert builds == []
    # A job that stopped reporting long ago has died (a restarted worker): it can be built again.
    cache.set(running.status_key, {"state": "running", "done": 1, "total": 10, "updated": time.time() - 3600})
    assert "blijven steken" in client.get(status_url(2023, "internal")).content.decode()
    client.post(build_url(2023, "internal"))
    assert builds == [(2023, "internal")]
    assert client.get(progress_url(2023, "internal")).json() == {
        "state": "ready",
        "done": 1,
        "total": 1,
        "percent": 100,
        "download_url": download_url(2023, "internal"),
    }


def test_it_says_so_when_a_build_fails_and_lets_staff_try_again(client, vera, demo, monkeypatch):
    client.force_login(vera)
    real = services.build_export

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "build_export", broken)
    response = client.post(build_url(2023, "raw"))
    assert response.status_code == 302 and response["Location"] == status_url(2023, "raw")
    html = client.get(status_url(2023, "raw")).content.decode()
    assert "mislukt" in html and "Opnieuw proberen" in html and "disk full" not in html
    assert client.get(download_url(2023, "raw")).status_code == 302
    monkeypatch.setattr(services, "build_export", real)
    client.post(build_url(2023, "raw"))
    assert client.get(download_url(2023, "raw")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1


def test_it_reports_progress_per_sheet_and_per_chunk_of_lines(demo, monkeypatch):
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
    statuses: list[str] = []
    real = jobs._write_status

    def spy(job, state, *args, **kwargs):
        statuses.append(state)
        return real(job, state, *args, **kwargs)

    monkeypatch.setattr(jobs, "_write_status", spy)
    jobs.run(year=2023, variant="internal", language="nl")
    # Started, then the report, the cover, seven chapters and saving, then ready.
    assert statuses == ["running"] * 11 + ["ready"]


def test_it_builds_again_when_the_file_was_dropped_from_the_cache(client, vera, demo, builds):
    client.force_login(vera)
    client.post(build_url(2023, "csv"))
    cache.delete(job(variant="csv").file_key)  # evicted, or expired after a week unused
    assert client.get(progress_url(2023, "csv")).json()["state"] == "missing"
    client.post(build_url(2023, "csv"))
    assert builds == [(2023, "csv")] * 2
    assert client.get(download_url(2023, "csv")).content.startswith(b"\xef\xbb\xbfeditie;")


def test_it_computes_the_fingerprint_once_before_and_once_after_a_build(demo, monkeypatch):
    from apps.monitor import cache as report_cache

    calls = []
    real = report_cache.data_fingerprint

    def counting(*args):
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(report_cache, "data_fingerprint", counting)
    monkeypatch.setattr(jobs, "data_fingerprint", counting)
    jobs.run(year=2023, variant="internal", language="nl")
    assert calls == ["internal", "internal"]  # the key, and the check that the data did not change meanwhile
    assert jobs.status(job())["state"] == jobs.READY
