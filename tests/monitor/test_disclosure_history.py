"""Disclosure control across published editions: the reader holds every edition that shows a year."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.monitor import disclosure
from apps.submissions.models import Edition

from .conftest import fill, make_edition, submission

TABLE = "essm_clienten_categorie"


def _publish(edition: Edition, cells: dict) -> Edition:
    fill(submission(edition, "humanitas-essm", "essm"), {(TABLE, r, c): v for (r, c), v in cells.items()})
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.PUBLISHED)
    edition.refresh_from_db()
    return edition


@pytest.fixture
def blank_under_total(db) -> tuple[Edition, Edition]:
    """2040: arbeid 18+ 23 of a total 26, 18- blank (so 2040's own table has no 18- arbeid row);
    2041 has a 18- arbeid figure, so its table shows 2040's 18- arbeid as a blank beside the total."""
    first = _publish(make_edition(2040), {("arbeid", "plus18"): 23, ("arbeid", "_total"): 26})
    second = _publish(make_edition(2041), {("arbeid", "min18"): 10, ("arbeid", "plus18"): 30, ("arbeid", "_total"): 40})
    return first, second


def _shown(result, cell_id) -> bool:
    return cell_id not in result.suppression.hidden


def test_it_protects_a_blank_part_that_the_own_table_leaves_out(blank_under_total):
    first, __ = blank_under_total
    result = disclosure.protected_report(edition=first, audience=disclosure.PUBLIC)
    total, part = (2040, TABLE, "arbeid", "_total", ""), (2040, TABLE, "arbeid", "plus18", "")
    # 26 - 23: the 18- clients are 3, though the table shows no 18- arbeid row
    assert not (_shown(result, total) and _shown(result, part))


def test_it_serves_a_later_edition_that_shows_the_blank_part(blank_under_total):
    __, second = blank_under_total
    result = disclosure.protected_report(edition=second, audience=disclosure.PUBLIC)
    assert all(a.ok for a in result.audits.values())


@pytest.fixture
def merged_category(db) -> Edition:
    """2022 has jeugdprostitutie (3 of 18+) beside seksueel; 2023 merges it into seksueel, so 2023's
    table shows 2022's seksueel as the sum of the two."""
    _publish(
        make_edition(2022),
        {
            ("jeugdprostitutie", "plus18"): 3,
            ("jeugdprostitutie", "min18"): 20,
            ("jeugdprostitutie", "_total"): 23,
            ("seksueel", "plus18"): 40,
            ("seksueel", "min18"): 12,
            ("seksueel", "_total"): 52,
            ("arbeid", "plus18"): 30,
            ("arbeid", "min18"): 9,
            ("arbeid", "_total"): 39,
            ("_total", "plus18"): 73,
            ("_total", "min18"): 41,
            ("_total", "_total"): 114,
        },
    )
    return _publish(make_edition(2023), {("seksueel", "plus18"): 50, ("seksueel", "min18"): 10, ("seksueel", "_total"): 60})


def test_it_proves_a_merged_category_against_the_earlier_edition(merged_category):
    result = disclosure.protected_report(edition=merged_category, audience=disclosure.PUBLIC)
    assert all(a.ok for a in result.audits.values())


def test_it_serves_a_stricter_edition_beside_what_an_earlier_one_showed(db):
    # 2040 (threshold 5) showed arbeid 26 and 18+ 19: the blank 18- are 7, no small count then.
    _publish(make_edition(2040), {("arbeid", "plus18"): 19, ("arbeid", "_total"): 26})
    later = make_edition(2041)
    Edition.objects.filter(pk=later.pk).update(disclosure_threshold=10)
    later = _publish(later, {("arbeid", "min18"): 10, ("arbeid", "plus18"): 30, ("arbeid", "_total"): 40})
    result = disclosure.protected_report(edition=later, audience=disclosure.PUBLIC)
    # Under 10 the 7 is small, but 2040 published it: 2041 cannot take it back, and adds nothing to it.
    [(kind, line)] = result.audits[2040].inherited
    assert kind == "blanks" and line.total == (2040, TABLE, "arbeid", "_total", "")
    assert result.audits[2040].ok and result.audits[2041].ok


# -- random small grids with blanks over two or three published editions -----------------------------

ROWS, COLS = ("preventief", "seksueel", "arbeid"), ("min18", "plus18")
counts = st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 14, 22])


@st.composite
def edition_grid(draw) -> dict:
    """One organisation's true figures; some cells blank (not known), each total given or not."""
    true = {(r, c): draw(counts) for r in ROWS for c in COLS}
    for r in ROWS:
        true[(r, "_total")] = sum(true[(r, c)] for c in COLS)
    for c in (*COLS, "_total"):
        true[("_total", c)] = sum(true[(r, c)] for r in ROWS)
    return {k: v for k, v in true.items() if draw(st.booleans()) or (draw(st.booleans()) and k[1] != "_total")}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(edition_grid(), min_size=2, max_size=3))
@example(  # 2051 shows 18- totals, so 2050's column 18- (not shown there) got an equation: 30 - 23 = 7
    [
        {("preventief", "min18"): 2, ("seksueel", "min18"): 0, ("arbeid", "plus18"): 14, ("seksueel", "_total"): 9,
         ("arbeid", "_total"): 19, ("_total", "plus18"): 23, ("_total", "_total"): 30},
        {("_total", "min18"): 0},
    ]
)
def test_it_serves_every_published_edition_of_random_grids_with_blanks(db, grids):
    with transaction.atomic():  # each example on its own: rolled back at the end
        cache.clear()
        editions = [_publish(make_edition(2050 + i), cells) for i, cells in enumerate(grids)]
        for edition in editions:
            result = disclosure.protected_report(edition=edition, audience=disclosure.PUBLIC)
            assert all(a.ok for a in result.audits.values())
            own = {k: v for k, v in grids[edition.year - 2050].items() if 0 < v < 5}
            shown = {cid for ch in result.report.chapters for t in ch.all_tables for row in t.rows for cid in row.ids}
            # every small count of the edition's own year that the tables show is hidden
            assert {(edition.year, TABLE, r, c, "") for r, c in own} & shown <= result.suppression.hidden
        transaction.set_rollback(True)
