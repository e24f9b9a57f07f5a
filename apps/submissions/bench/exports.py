"""Exports and disclosure control against their floors (XlsxWriter writing the same cells), and memory."""

from __future__ import annotations

import io
import tracemalloc

from apps.submissions.bench.pages import timed
from apps.submissions.models import Edition


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
    wb = Workbook(out, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                        "strings_to_urls": False})
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



def exports(report, year: int) -> None:
    from django.core.cache import cache

    from apps.monitor.exports import EditionWorkbook
    from apps.monitor.services import build_edition_workbook, build_raw_export, build_report

    edition = Edition.objects.get(year=year)
    built = build_report(edition=edition, published_only=False)
    seconds = timed(lambda: build_report(edition=edition, published_only=False), repeat=3)
    report.section(f"Exports (edition {year})")
    report.line(f"report of all chapters (the queries and tables every workbook starts from): {seconds * 1000:.0f} ms")
    report.line()

    def cold_workbook() -> bytes:
        cache.clear()  # the report is built, as for the first export after a change
        return build_edition_workbook(year=year, public=False)

    rows = []
    for name, build in (
        ("internal edition workbook, report built", cold_workbook),
        ("internal edition workbook, report cached", lambda: build_edition_workbook(year=year, public=False)),
        ("internal edition workbook, writing only", lambda: EditionWorkbook(built, public=False, threshold=5).build()),
        ("raw export (xlsx)", lambda: build_raw_export(year=year, csv=False)),
    ):
        content = build()
        cells = count_cells(content)
        sheets = sheet_values(content)
        seconds = timed(build, repeat=3)
        floor = timed(lambda cells=cells: xlsxwriter_floor(cells), repeat=3)
        same = timed(lambda sheets=sheets: xlsxwriter_same_values(sheets), repeat=3)
        memory = peak_mb(build)
        rows.append([name, f"{cells:,}", f"{seconds * 1000:.0f}", f"{same * 1000:.0f}", f"**{seconds / same:.2f}x**",
                     f"{floor * 1000:.0f}", f"{seconds / floor:.2f}x", f"{memory:.1f}"])
    report.table(["export", "cells", "ms", "floor: same cells ms", "ratio (<= 1.5)", "synthetic floor ms", "ratio",
                  "peak MB (< 200)"], rows)


def disclosure(report, year: int, years: list[int]) -> None:
    """The public workbook (protection chosen by MILP and proved by the HiGHS audit) vs the internal one."""
    from django.core.cache import cache

    from apps.monitor.services import build_edition_workbook

    def cold(public: bool):
        def build() -> bytes:
            cache.clear()  # reports, protection and audit all built, as after a change
            return build_edition_workbook(year=year, public=public)

        return build

    # Published, so the public workbook compares three editions and its audit covers them all.
    statuses = dict(Edition.objects.filter(year__in=years).values_list("year", "status"))
    Edition.objects.filter(year__in=years).update(status=Edition.Status.PUBLISHED)
    try:
        internal = timed(cold(False), repeat=3)
        public = timed(cold(True), repeat=3)
        cached = timed(lambda: build_edition_workbook(year=year, public=True), repeat=3)
    finally:
        for y, status in statuses.items():
            Edition.objects.filter(year=y).update(status=status)
    report.section(f"Disclosure control (edition {year})")
    report.table(["what", "ms", "ratio", "target"], [
        ["internal workbook, nothing cached", f"{internal * 1000:.0f}", "", ""],
        ["public workbook with protection and audit, nothing cached", f"{public * 1000:.0f}",
         f"**{public / internal:.2f}x**", "<= 3x"],
        ["public workbook, protected report cached", f"{cached * 1000:.0f}", "", ""],
    ])
