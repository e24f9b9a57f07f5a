"""VAR staff read a chapter of the monitor with its chart, then build and download the workbook."""

import re
from pathlib import Path

import pytest
from celery.backends.cache import CacheBackend
from django.utils import timezone
from playwright.sync_api import expect

from apps.monitor import jobs
from apps.monitor.models import CachedFile
from apps.monitor.tasks import build_export
from apps.partners.models import AuditEvent
from apps.submissions.models import Edition
from tests.browser.conftest import login
from tests.monitor.conftest import read_tables

pytestmark = pytest.mark.browser


def test_it_shows_a_chart_and_builds_and_downloads_the_internal_workbook(page, demo, settings):
    # As with `make run`: the demo staff account is exempt from two-factor while DEBUG is on.
    settings.DEBUG = True
    login(page, "var@demo.invalid")
    page.goto("/monitor/")
    page.get_by_role("link", name="Monitor 2023").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mensenhandelmonitor 2023")
    page.locator(".monitor-chapters").get_by_role("link", name="Politiecijfers").click()
    expect(page).to_have_url(re.compile(r"/monitor/2023/politie/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Politiecijfers")

    # The chart is an <img> of a server-rendered SVG (lazy: it loads when scrolled to).
    chart = page.locator('img.monitor-chart[src$="/grafiek/pol_informatieve_gesprekken.svg"]')
    chart.scroll_into_view_if_needed()
    expect(chart).to_have_attribute("alt", re.compile("^Staafdiagram: Informatieve gesprekken"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    assert chart.evaluate("img => img.naturalWidth") > 0

    # Build (a Celery task, eager here) and download the internal workbook.
    page.get_by_role("button", name="Werkmap intern (alle cijfers)").click()
    expect(page).to_have_url(re.compile(r"/monitor/2023/export/internal/\d+/$"))
    expect(page.get_by_test_id("export-status")).to_contain_text("Het bestand is klaar")
    with page.expect_download() as info:
        page.get_by_test_id("export-download").click()
    download = info.value
    assert download.suggested_filename == "mensenhandelmonitor-2023-intern.xlsx"
    tables = read_tables(Path(download.path()).read_bytes())
    total = tables["Politie"]["Informatieve gesprekken mensenhandel"]["Totaal aantal gesprekken"]["2023"]
    assert total.value == 58 and isinstance(total.value, int)
    downloads = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor__email="var@demo.invalid")
    assert [e.data["variant"] for e in downloads] == ["internal"]


def test_it_follows_a_build_that_runs_in_the_background(page, demo, settings, monkeypatch):
    """With a real worker the page shows the task's progress and picks up the file when it is ready (export.js)."""
    settings.DEBUG = True
    app = build_export.app
    results = CacheBackend(app=app, url="memory://")  # the task's state, as Redis holds it in production
    monkeypatch.setattr(app.tasks[build_export.name], "backend", results)
    monkeypatch.setitem(app.conf, "task_store_eager_result", True)
    cached = CachedFile.objects.create(
        year=2023, variant="raw", language="nl", task_id="worker-task", queued_at=timezone.now(),
        fingerprint=jobs.fingerprint(Edition.objects.get(year=2023), "raw", "nl"),
        expires_at=timezone.now() + jobs.FILE_LIFETIME, filename="mensenhandelmonitor-2023-ruwe-gegevens.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )  # fmt: skip
    results.store_result("worker-task", {"done": 2, "total": 10}, "PROGRESS")
    login(page, "var@demo.invalid")
    page.goto("/monitor/2023/export/raw/")
    expect(page.locator("progress")).to_have_attribute("value", "20")
    expect(page.get_by_role("link", name="Vernieuwen")).to_be_visible()
    jobs.run(file_id=cached.pk)  # what the worker does
    expect(page.get_by_test_id("export-status")).to_contain_text("Het bestand is klaar", timeout=10_000)
    expect(page.get_by_test_id("export-download")).to_have_attribute("href", f"/monitor/2023/export/raw/{cached.pk}/downloaden/")
