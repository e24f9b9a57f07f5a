"""`make bench`: speed and memory of the heavy paths, each as a ratio measured in the same run.

Not part of the test suite: numbers depend on the machine. Results go to docs/performance.md.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.partners.models import Membership, Organisation, Role, User
from apps.submissions.benchmark import generate
from apps.submissions.models import Edition, Submission

SMALL_YEAR = 2000  # an edition with 30 organisations
YEARS = list(range(2010, 2020))  # ten editions with 1,000 organisations
BIG_YEAR = YEARS[-1]
RAW_SQL = """
SELECT e.year, i.code, v.row, v.col, SUM(v.number), COUNT(v.number), COUNT(*)
FROM submissions_value v
JOIN submissions_submission s ON s.id = v.submission_id
JOIN submissions_edition e ON e.id = s.edition_id
JOIN submissions_indicator i ON i.id = v.indicator_id
WHERE s.status = 'approved' AND e.year = ANY(%s) AND i.kind IN ('count', 'boolean')
GROUP BY e.year, i.code, v.row, v.col
"""
WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("p95_us=%d\\n", latency:percentile(95)))
  io.write(string.format("rps=%.1f\\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("errors=%d\\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def timed(fn, repeat: int = 5) -> float:
    """Median seconds of `repeat` runs after one warm-up."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def peak_mb(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def count_cells(data: bytes) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    return sum(1 for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def sheet_values(data: bytes) -> list[tuple[str, list[tuple]]]:
    """The values of every sheet of a workbook, row by row."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in wb.worksheets]


def xlsxwriter_same_values(sheets: list[tuple[str, list[tuple]]]) -> bytes:
    """XlsxWriter (constant_memory) writing the very same values into the same sheets: no formats, merges, charts."""
    from xlsxwriter.workbook import Workbook

    out = io.BytesIO()
    wb = Workbook(out, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    for title, rows in sheets:
        ws = wb.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value)
                else:
                    ws.write(r, c, value)
    wb.close()
    return out.getvalue()


def xlsxwriter_floor(cells: int, columns: int = 12) -> bytes:
    """The bare writer floor: XlsxWriter with constant_memory, no formats, the same number of cells."""
    from xlsxwriter.workbook import Workbook

    out = io.BytesIO()
    wb = Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("floor")
    for i in range(cells):
        r, c = divmod(i, columns)
        if i % 3:
            ws.write_number(r, c, i)
        else:
            ws.write_string(r, c, f"label {i}")
    wb.close()
    return out.getvalue()


class Command(BaseCommand):
    help = "Measure aggregation, exports and pages on the synthetic data set (see docs/performance.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--skip-wrk", action="store_true")
        parser.add_argument("--wrk-seconds", type=int, default=10)
        parser.add_argument("--exports-only", action="store_true", help="Only the export measurements.")

    def handle(self, *args, skip_wrk: bool, wrk_seconds: int, exports_only: bool = False, **options) -> None:
        out = self.stdout.write
        out(f"# Benchmark – {time.strftime('%Y-%m-%d %H:%M')}")
        out(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, database {connection.vendor}")
        t0 = time.perf_counter()
        generate(organisations=30, editions=1, first_year=SMALL_YEAR)
        stats = generate(organisations=1000, editions=len(YEARS), first_year=YEARS[0])
        out(f"data: {stats['organisations']} organisations x {stats['editions']} editions, "
            f"{stats['values_total']:,} values ({time.perf_counter() - t0:.0f} s to ensure)")
        if connection.vendor == "postgresql":
            # Planner statistics and a fresh visibility map, so autovacuum does not start in the
            # middle of the measurements after a bulk load.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("CHECKPOINT")  # write the pages VACUUM dirtied now, not during the load test
        settings.DEBUG = False
        reset_queries()
        if exports_only:
            self.exports(out)
            return
        self.aggregation(out)
        self.exports(out)
        self.disclosure(out)
        self.pages(out)
        if not skip_wrk:
            self.load(out, wrk_seconds)

    # -- aggregation ---------------------------------------------------------------------------

    def aggregation(self, out) -> None:
        from apps.monitor.aggregation import load_editions

        years = tuple(YEARS[-3:])

        def raw():
            with connection.cursor() as cursor:
                cursor.execute(RAW_SQL, [list(years)])
                return cursor.fetchall()

        agg = timed(lambda: load_editions(years))
        sql = timed(raw)
        out("\n## Aggregation (three editions side by side, 1,000 organisations)")
        out(f"edition aggregation {agg * 1000:.1f} ms; raw SQL GROUP BY {sql * 1000:.1f} ms; "
            f"ratio {agg / sql:.2f} (target <= 2)")

    # -- exports -------------------------------------------------------------------------------

    def exports(self, out) -> None:
        from django.core.cache import cache

        from apps.monitor.exports import EditionWorkbook
        from apps.monitor.services import build_edition_workbook, build_raw_export, build_report

        edition = Edition.objects.get(year=BIG_YEAR)
        report = build_report(edition=edition, published_only=False)
        seconds = timed(lambda: build_report(edition=edition, published_only=False), repeat=3)
        out(f"\n## Exports (edition {BIG_YEAR}, 1,000 organisations)")
        out(f"report of all chapters (the queries and tables every workbook starts from): {seconds * 1000:.0f} ms")

        def cold_workbook() -> bytes:
            cache.clear()  # the report is built, as for the first export after a change
            return build_edition_workbook(year=BIG_YEAR, public=False)

        for name, build in (
            ("internal edition workbook, report built", cold_workbook),
            ("internal edition workbook, report cached", lambda: build_edition_workbook(year=BIG_YEAR, public=False)),
            ("internal edition workbook, writing only", lambda: EditionWorkbook(report, public=False, threshold=5).build()),
            ("raw export (xlsx)", lambda: build_raw_export(year=BIG_YEAR, csv=False)),
        ):
            data = build()
            cells = count_cells(data)
            sheets = sheet_values(data)
            seconds = timed(build, repeat=3)
            floor = timed(lambda cells=cells: xlsxwriter_floor(cells), repeat=3)
            same = timed(lambda sheets=sheets: xlsxwriter_same_values(sheets), repeat=3)
            memory = peak_mb(build)
            floor_memory = peak_mb(lambda cells=cells: xlsxwriter_floor(cells))
            # The target's floor: XlsxWriter (constant_memory, no formats) writing the same cells.
            out(f"{name}: {cells:,} cells, {seconds * 1000:.0f} ms vs the floor (XlsxWriter writing the same cells) "
                f"{same * 1000:.0f} ms, ratio {seconds / same:.2f} (target <= 1.5); vs the synthetic floor (as many "
                f"cells, 12 a row, two thirds numbers) {floor * 1000:.0f} ms, ratio {seconds / floor:.2f}; "
                f"peak memory {memory:.1f} MB (floor {floor_memory:.1f} MB; target < 200 MB)")

    # -- disclosure control ----------------------------------------------------------------------

    def disclosure(self, out) -> None:
        """The public workbook (protection chosen by MILP and proved by the HiGHS audit) vs the internal one."""
        from django.core.cache import cache

        from apps.monitor.services import build_edition_workbook

        def cold(public: bool):
            def build() -> bytes:
                cache.clear()  # reports, protection and audit all built, as after a change
                return build_edition_workbook(year=BIG_YEAR, public=public)

            return build

        # Published, so the public workbook compares three editions and its audit covers them all.
        statuses = dict(Edition.objects.filter(year__in=YEARS).values_list("year", "status"))
        Edition.objects.filter(year__in=YEARS).update(status=Edition.Status.PUBLISHED)
        try:
            internal = timed(cold(False), repeat=3)
            public = timed(cold(True), repeat=3)
            cached = timed(lambda: build_edition_workbook(year=BIG_YEAR, public=True), repeat=3)
        finally:
            for year, status in statuses.items():
                Edition.objects.filter(year=year).update(status=status)
        out(f"\n## Disclosure control (edition {BIG_YEAR}, 1,000 organisations)")
        out(f"public workbook with protection and audit {public * 1000:.0f} ms vs internal {internal * 1000:.0f} ms "
            f"(both from nothing cached): ratio {public / internal:.2f} (target <= 3); "
            f"public with the protected report cached {cached * 1000:.0f} ms")

    # -- pages ---------------------------------------------------------------------------------

    def staff_client(self) -> Client:
        user, _ = User.objects.get_or_create(email="bench@var.invalid", defaults={"name": "Benchmark"})
        Membership.objects.get_or_create(user=user, organisation=Organisation.objects.get(slug="var"),
                                         defaults={"role": Role.REVIEWER})
        Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}})
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        return client

    def pages(self, out) -> None:
        from django.core.cache import cache

        client = self.staff_client()
        out("\n## Pages (queries and median time, 30 vs 1,000 organisations)")
        out("| page | queries @30 | queries @1000 | ms @30 | ms @1000 |")
        out("|---|---|---|---|---|")
        small = Submission.objects.filter(edition__year=SMALL_YEAR).order_by("pk").first()
        big = Submission.objects.filter(edition__year=BIG_YEAR, form__code="politie").order_by("pk").first()
        small_police = Submission.objects.filter(edition__year=SMALL_YEAR, form__code="politie").order_by("pk").first() or small
        pages = {
            "staff overview": (reverse("edition_overview", args=[SMALL_YEAR]), reverse("edition_overview", args=[BIG_YEAR])),
            "review page": (reverse("review_submission", args=[small_police.pk]), reverse("review_submission", args=[big.pk])),
            "form page": (reverse("submission_form", args=[small_police.pk]), reverse("submission_form", args=[big.pk])),
            "monitor page": (reverse("monitor_chapter", args=[SMALL_YEAR, "politie"]), reverse("monitor_chapter", args=[BIG_YEAR, "politie"])),
        }
        for name, urls in pages.items():
            queries, times, cold = [], [], []
            for url in urls:
                client.get(url)  # the session and the URL resolver warmed up
                cache.clear()  # count the queries of building the page, not of reading a cached report
                reset_queries()
                with CaptureQueriesContext(connection) as ctx:
                    status = client.get(url).status_code
                assert status == 200, (url, status)
                queries.append(len(ctx.captured_queries))
                times.append(timed(lambda url=url: client.get(url), repeat=3) * 1000)
                if name == "monitor page":
                    cold.append(timed(lambda url=url: (cache.clear(), client.get(url)), repeat=3) * 1000)
            cached = f" (report cached; {cold[0]:.0f} / {cold[1]:.0f} ms when built)" if cold else ""
            out(f"| {name} | {queries[0]} | {queries[1]} | {times[0]:.0f} | {times[1]:.0f}{cached} |")

    # -- load ----------------------------------------------------------------------------------

    def load(self, out, seconds: int) -> None:
        if not shutil.which("wrk"):
            out("\nwrk is not installed (apt-get install wrk): load test skipped")
            return
        client = self.staff_client()
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{port}",
             "--log-level", "warning"],
            env=env, cwd=settings.BASE_DIR,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            out(f"\n## Load: wrk, 2 threads, 2 connections (one per worker), {seconds} s after 2 s of warm-up, "
                "gunicorn with 2 workers")
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
                lua.write(WRK_LUA)
            for name, path in (
                ("staff overview (1,000 organisations)", reverse("edition_overview", args=[BIG_YEAR])),
                ("monitor page", reverse("monitor_chapter", args=[BIG_YEAR, "politie"])),
            ):
                command = ["wrk", "-t2", "-c2", "-s", lua.name, "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"]
                # Long-lived workers in production: their first requests (imports, templates) are not the page's.
                subprocess.run([*command, "-d2s"], capture_output=True, check=True)
                result = subprocess.run([*command, f"-d{seconds}s"], capture_output=True, text=True, check=True).stdout
                values = dict(re.findall(r"^(\w+)=([\d.]+)$", result, re.MULTILINE))
                p95 = int(values["p95_us"]) / 1000
                out(f"{name}: {float(values['rps']):.1f} req/s, p95 {p95:.0f} ms (target < 300 ms), "
                    f"errors {values['errors']}")
            Path(lua.name).unlink()
        finally:
            server.terminate()
            server.wait(timeout=10)
