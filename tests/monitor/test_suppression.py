"""Public suppression: small counts hidden, and none of them recomputable from a row or column."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.monitor.suppression import Line, recomputable, suppress

THRESHOLD = 5


def table_2d(parts: list[list[int | None]]) -> tuple[dict, list[Line]]:
    """A 2-D table with row totals, column totals and a grand total (of the known parts)."""
    values, lines = {}, []
    n_rows, n_cols = len(parts), len(parts[0])
    for r in range(n_rows):
        for c in range(n_cols):
            values[(r, c)] = parts[r][c]
    for r in range(n_rows):
        values[(r, "T")] = sum(v for v in parts[r] if v is not None)
        lines.append(Line(tuple((r, c) for c in range(n_cols)), (r, "T")))
    for c in range(n_cols):
        values[("T", c)] = sum(parts[r][c] for r in range(n_rows) if parts[r][c] is not None)
        lines.append(Line(tuple((r, c) for r in range(n_rows)), ("T", c)))
    values[("T", "T")] = sum(values[(r, "T")] for r in range(n_rows))
    lines.append(Line(tuple((r, "T") for r in range(n_rows)), ("T", "T")))
    lines.append(Line(tuple(("T", c) for c in range(n_cols)), ("T", "T")))
    return values, lines


counts = st.integers(min_value=0, max_value=30)
tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda n_cols: st.lists(st.lists(counts, min_size=n_cols, max_size=n_cols), min_size=1, max_size=6)
)
tables_with_blanks = st.integers(min_value=1, max_value=4).flatmap(
    lambda n_cols: st.lists(
        st.lists(st.one_of(st.none(), counts), min_size=n_cols, max_size=n_cols), min_size=1, max_size=5
    )
)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_it_never_leaves_a_hidden_count_recomputable(parts):
    values, lines = table_2d(parts)
    result = suppress(values, lines, THRESHOLD)
    hidden = result.hidden
    # Every count from 1 to the threshold is hidden (as <5, or as x where the <5s around it would pin it) ...
    assert {k for k, v in values.items() if v is not None and 0 < v < THRESHOLD} <= result.hidden
    # ... and none can be recomputed as total minus the shown cells of a row or column.
    assert not {c for c in recomputable(values, lines, hidden) if values[c]}  # a hidden 0 reveals nobody
    # Zeros are only hidden when nothing else could protect a line; blanks never.
    assert all(values[k] is not None for k in hidden)


@settings(max_examples=200, deadline=None)
@given(tables_with_blanks)
def test_it_treats_a_blank_as_unknown_not_as_zero(parts):
    values, lines = table_2d(parts)
    result = suppress(values, lines, THRESHOLD)
    assert not {c for c in recomputable(values, lines, result.hidden) if values[c]}
    assert all(values[k] is not None for k in result.hidden)


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, min_size=1, max_size=8))
def test_it_protects_a_one_dimensional_table_with_a_total(parts):
    values = {i: v for i, v in enumerate(parts)} | {"T": sum(parts)}
    lines = [Line(tuple(range(len(parts))), "T")]
    result = suppress(values, lines, THRESHOLD)
    assert not {c for c in recomputable(values, lines, result.hidden) if values[c]}


def test_it_hides_the_next_smallest_cell_of_a_line_with_one_hidden_count():
    values = {"a": 41, "b": 3, "c": 14, "d": 0, "T": 58}
    result = suppress(values, [Line(("a", "b", "c", "d"), "T")], THRESHOLD)
    assert result.primary == {"b"}
    assert result.secondary == {"c"}  # 14 is the next-smallest non-zero cell, not the zero


def test_it_leaves_exempt_cells_and_lines_with_an_unknown_part_alone():
    values = {"a": 2, "b": None, "T": 9, "yes": 3}
    result = suppress(values, [Line(("a", "b"), "T")], THRESHOLD, exempt={"yes"})
    assert result.primary == {"a"} and not result.secondary  # b is unknown: a cannot be recomputed
    assert "yes" not in result.hidden


def test_it_uses_the_threshold_it_is_given():
    values = {"a": 7, "b": 20, "T": 27}
    assert suppress(values, [Line(("a", "b"), "T")], 10).hidden == {"a", "b"}
    assert not suppress(values, [Line(("a", "b"), "T")], 5).hidden
