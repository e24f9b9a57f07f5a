"""Fixtures of the monitor tests: the demo editions, and hand-made approved submissions."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from apps.submissions import services
from apps.submissions.demo import load_demo
from apps.submissions.models import Edition, Indicator, Submission, Value


@pytest.fixture
def demo(db) -> None:
    load_demo()


def make_edition(year: int) -> Edition:
    edition = services.create_edition(year=year, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    return edition


def submission(edition: Edition, slug: str, form: str) -> Submission:
    return Submission.objects.get(edition=edition, organisation__slug=slug, form__code=form)


def fill(sub: Submission, cells: dict, *, approve: bool = True, comments: dict | None = None) -> Submission:
    """Write cells {(code, row, col): number | None | text} straight to the database."""
    indicators = {i.code: i for i in Indicator.objects.filter(edition=sub.edition)}
    for (code, row, col), value in cells.items():
        Value.objects.create(
            submission=sub,
            indicator=indicators[code],
            row=row,
            col=col,
            number=value if isinstance(value, int) else None,
            text=value if isinstance(value, str) else "",
            comment=(comments or {}).get((code, row, col), ""),
        )
    if approve:
        Submission.objects.filter(pk=sub.pk).update(status=Submission.Status.APPROVED)
    return sub


_NOTES = re.compile(r"( \(\d+\))+$")


def read_tables(content: bytes) -> dict[str, dict[str, dict[str, dict]]]:
    """{sheet: {table title: {row label: {column header: openpyxl cell}}}} of an edition workbook."""
    workbook = load_workbook(BytesIO(content))
    result = {}
    for ws in workbook.worksheets[1:]:
        rows = [list(r) for r in ws.iter_rows(min_row=5)]
        tables: dict[str, dict] = {}
        i = 0
        while i < len(rows):
            title = rows[i][0].value
            header = next((j for j in range(i + 1, min(i + 3, len(rows))) if len(rows[j]) > 1 and rows[j][1].value), None)
            if not title or header is None or rows[i][0].font.sz != 12 or title == "Toelichtingen":
                i += 1
                continue
            columns = [c.value for c in rows[header][1:] if c.value is not None]
            table: dict[str, dict] = {}
            j = header + 1
            while j < len(rows) and rows[j][0].value and not re.match(r"^\(\d+\) ", str(rows[j][0].value)):
                label = _NOTES.sub("", rows[j][0].value)
                table[label] = {column: rows[j][k + 1] for k, column in enumerate(columns)}
                j += 1
            tables[title] = table
            i = j
        result[ws.title] = tables
    return result


def all_text(content: bytes) -> list:
    workbook = load_workbook(BytesIO(content))
    return [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]
