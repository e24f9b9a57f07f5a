"""The aggregation against its floor, like for like, and the growth of the heavy paths with the region's size."""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.submissions.bench import data
from apps.submissions.bench.pages import client_for, timed
from apps.submissions.models import Submission

# The hand-written baseline of earlier rounds: joins the edition and indicator tables and groups by
# year and code, so it is not the query the code sends (kept, labelled, for comparison with old runs).
OLD_BASELINE_SQL = """
SELECT e.year, i.code, v.row, v.col, SUM(v.number), COUNT(v.number), COUNT(*)
FROM submissions_value v
JOIN submissions_submission s ON s.id = v.submission_id
JOIN submissions_edition e ON e.id = s.edition_id
JOIN submissions_indicator i ON i.id = v.indicator_id
WHERE s.status = 'approved' AND e.year = ANY(%s) AND i.kind IN ('count', 'boolean')
GROUP BY e.year, i.code, v.row, v.col
"""


def group_by_sql(years) -> str:
    """The SQL of the GROUP BY over the values that load_editions sends, captured from the ORM."""
    from apps.monitor.aggregation import load_editions

    with CaptureQueriesContext(connection) as ctx:
        load_editions(years)
    sums = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"] and "SUM(" in q["sql"].upper()]
    if not sums:
        raise RuntimeError("load_editions sent no GROUP BY with SUM: update the benchmark")
    return max(sums, key=len)


def aggregation(report, sizes: data.Sizes) -> None:
    from apps.monitor.aggregation import load_editions

    years = tuple(sizes.years[-3:])
    sql = group_by_sql(years)

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    agg = timed(lambda: load_editions(years))
    floor = timed(raw)
    report.section(f"Aggregation floor (three editions side by side, {sizes.organisations:,} organisations)")
    rows = [["load_editions(%s)" % ", ".join(map(str, years)), f"{agg * 1000:.1f}", "", ""],
            ["the same GROUP BY (captured from the ORM) through a raw cursor", f"{floor * 1000:.1f}",
             f"**{agg / floor:.2f}x**", "<= 1.5x " + ("met" if agg / floor <= 1.5 else "MISSED")]]
    if connection.vendor == "postgresql":
        def old():
            with connection.cursor() as cursor:
                cursor.execute(OLD_BASELINE_SQL, [list(years)])
                return cursor.fetchall()

        baseline = timed(old)
        rows.append(["old baseline (hand-written, joins edition and indicator; not the code's query)",
                     f"{baseline * 1000:.1f}", f"{agg / baseline:.2f}x", "(old target <= 2x)"])
    report.table(["what", "ms (median of 5)", "ratio", "target"], rows)


def slope(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of log(cost) over log(size): 1 is linear."""
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(max(y, 1e-9)) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


class _Rollback(Exception):
    pass


def growth(report, sizes: data.Sizes, counts: list[int], out=print) -> None:
    """Cost at several region sizes, each an edition of its own, written and rolled back in this run."""
    from apps.monitor.aggregation import load_editions
    from apps.submissions.benchmark import generate

    rows: dict[str, list[tuple[int, float]]] = {"aggregation (load_editions)": [], "edition overview page": [],
                                                 "monitor chapter page, report built": []}
    start = time.perf_counter()
    try:
        with transaction.atomic():
            for n, count in enumerate(counts):
                year = 1990 + n
                generate(organisations=count, editions=1, first_year=year, seed=sizes.seed)
                count = Submission.objects.filter(edition__year=year).count()  # the size measured, not asked
                client = client_for(data.staff_user())
                overview = reverse("edition_overview", kwargs={"year": year})
                chapter = reverse("monitor_chapter", kwargs={"year": year, "chapter": "politie"})
                rows["aggregation (load_editions)"].append((count, timed(lambda y=year: load_editions([y]))))
                rows["edition overview page"].append((count, timed(lambda u=overview: client.get(u), repeat=3)))
                rows["monitor chapter page, report built"].append(
                    (count, timed(lambda u=chapter: (cache.clear(), client.get(u)), repeat=3)))
            out(f"growth data written and measured in {time.perf_counter() - start:.0f} s")
            raise _Rollback
    except _Rollback:
        pass
    report.section("Growth with the region's size (in-process, each size an edition of its own, rolled back after)")
    table = []
    for name, points in rows.items():
        exponent = slope([(c, t) for c, t in points])
        table.append([name, *(f"{t * 1000:.1f}" for _, t in points), f"**{exponent:.2f}**",
                      "met" if exponent <= 1.06 else "MISSED"])
    measured = [c for c, _ in rows["aggregation (load_editions)"]]
    report.line("Sizes are the submissions of each edition (one per organisation). The fixed part (catalogue, "
                "templates) keeps the exponent below 1 at small sizes; compare the last two columns too.")
    report.line()
    report.table(["what", *(f"ms @{c:,}" for c in measured), "fitted exponent", "target <= ~1.06"], table)
