"""`make bench`: speed of every page, the saves of a deadline day, queries, the aggregation floor, growth, exports.

Not part of the test suite: numbers depend on the machine. The markdown report is printed and
written to --report (default bench-report.md) for docs/performance.md. The parts live in
apps/submissions/bench/.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries

from apps.submissions.bench import aggregation, data, exports, load, pages
from apps.submissions.bench.report import Report

PARTS = ["aggregation", "growth", "exports", "queries", "pages", "deadline"]
LOAD_PARTS = {"pages", "deadline"}


class Command(BaseCommand):
    help = "Measure pages, saves, queries, aggregation, growth and exports on the synthetic data (docs/performance.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--only", default="", help=f"Comma-separated parts: {', '.join(PARTS)} (default all).")
        parser.add_argument("--skip-wrk", action="store_true",
                            help="No server: skip the pages under load and the deadline day.")
        parser.add_argument("--organisations", type=int, default=1000, help="Organisations per edition (1000).")
        parser.add_argument("--saves", type=int, default=200, help="Saves per submission of the current edition (200).")
        parser.add_argument("--growth", default="100,1000,5000", help="Region sizes of the growth measurement.")
        parser.add_argument("--wrk-seconds", type=int, default=8)
        parser.add_argument("--connections", type=int, default=8, help="wrk connections (8).")
        parser.add_argument("--deadline-seconds", type=int, default=30)
        parser.add_argument("--partners", type=int, default=30, help="Partners saving on the deadline day (30).")
        parser.add_argument("--think", type=float, default=2.0,
                            help="Seconds a deadline-day partner pauses between saves (default 2).")
        parser.add_argument("--report", default="bench-report.md", help="Where to write the markdown report.")
        parser.add_argument("--exports-only", action="store_true", help="Same as --only exports.")

    def handle(self, *args, **o) -> None:
        only = {p.strip() for p in (o["only"] or ("exports" if o["exports_only"] else "")).split(",") if p.strip()}
        if unknown := only - set(PARTS):
            raise CommandError(f"Unknown parts {sorted(unknown)}; choose from {PARTS}")
        parts = [p for p in PARTS if (not only or p in only) and not (o["skip_wrk"] and p in LOAD_PARTS)]
        sizes = data.Sizes(organisations=o["organisations"], saves=o["saves"])
        report = Report(self.stdout.write, Path(o["report"]) if o["report"] else None)
        begin = time.perf_counter()
        report.line(f"# Benchmark – {time.strftime('%Y-%m-%d %H:%M %Z')}")
        report.line()
        report.line(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start, "
                    f"Python {sys.version.split()[0]}, database {connection.vendor}; parts: {', '.join(parts)}")
        try:
            self.run(report, sizes, parts, o, begin)
        finally:
            report.line()
            report.line(f"whole run {time.perf_counter() - begin:.0f} s; load average at the end "
                        f"{os.getloadavg()[0]:.1f}")
            report.save()

    def run(self, report: Report, sizes: data.Sizes, parts: list[str], o: dict, begin: float) -> None:
        stats = data.ensure(sizes, out=self.stdout.write)
        report.line(f"data: {sizes.organisations:,} organisations x {data.CLOSED_EDITIONS} closed editions "
                    f"({sizes.years[0]}–{sizes.big_year}, {sizes.public_year} and earlier published), the current "
                    f"edition {data.OPEN_YEAR} open with {sizes.saves} saves a submission "
                    f"({stats['open']['history']}), 30-organisation editions {data.small_years()[0]}–{data.SMALL_YEAR} "
                    f"(published); "
                    f"{stats['closed']['values_total']:,} values in all editions; "
                    f"ensured in {time.perf_counter() - begin:.0f} s")
        if connection.vendor == "postgresql":
            # Planner statistics and a fresh visibility map, so autovacuum does not start in the middle
            # of the measurements after a bulk load; CHECKPOINT writes the pages VACUUM dirtied now.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("CHECKPOINT")
        settings.DEBUG = False
        reset_queries()
        targets = pages.Targets(sizes)
        if "aggregation" in parts:
            aggregation.aggregation(report, sizes)
        if "growth" in parts:
            counts = [int(c) for c in o["growth"].split(",") if c.strip()]
            aggregation.growth(report, sizes, counts, out=self.stdout.write)
        if "exports" in parts:
            exports.exports(report, sizes.big_year)
            exports.disclosure(report, sizes.big_year, sizes.years)
        if "queries" in parts:
            pages.queries(report, targets)
        if LOAD_PARTS & set(parts):
            self.load(report, targets, parts, o)

    def load(self, report: Report, targets: pages.Targets, parts: list[str], o: dict) -> None:
        with load.redis_cache() as cache_url, load.server(cache_url=cache_url) as port:
            cache = "Redis (a database claimed empty for this run)" if cache_url else "local memory (no Redis)"
            report.section("Server")
            report.line("gunicorn config.wsgi, 2 sync workers, config.settings.local with DEBUG off, "
                        f"cache {cache}"
                        f", database {connection.vendor}. Each page's workers are warmed up by 2 s of wrk first.")
            if "pages" in parts:
                load.pages(report, targets, port, o["wrk_seconds"], o["connections"])
                load.saves(report, targets, port, partners=o["connections"], staff=0, seconds=o["wrk_seconds"] * 2,
                           cells=3, think=0, save_target=300,
                           title=f"Form POST save under load: {o['connections']} partners saving without pause")
            if "deadline" in parts:
                load.saves(report, targets, port, partners=o["partners"], staff=2, seconds=o["deadline_seconds"],
                           cells=5, think=o["think"], save_target=500,
                           title="Deadline day: partners saving while staff load the overview")
