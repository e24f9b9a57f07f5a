"""The cells of an indicator: rows x columns as the monitor prints them, with their totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from apps.submissions.models import TOTAL, Category, Indicator

CellKey = tuple[str, str]  # (row code, column code); "" where the indicator has no such dimension


@dataclass(frozen=True)
class Axis:
    code: str
    label: str
    is_total: bool = False


@dataclass
class Grid:
    """Rows, columns and the total relations of one indicator."""

    indicator: Indicator
    rows: list[Axis]
    cols: list[Axis]
    totals: list[tuple[CellKey, list[CellKey]]] = field(default_factory=list)

    @property
    def is_single(self) -> bool:
        return len(self.rows) == 1 and len(self.cols) == 1 and self.rows[0].code == "" and self.cols[0].code == ""

    @property
    def has_cols(self) -> bool:
        return any(c.code for c in self.cols)

    def keys(self) -> list[CellKey]:
        return [(r.code, c.code) for r in self.rows for c in self.cols]

    def part_keys(self) -> list[CellKey]:
        return [(r.code, c.code) for r in self.rows if not r.is_total for c in self.cols if not c.is_total]

    def grand_total_key(self) -> CellKey | None:
        """The cell holding the indicator's overall total, if it has one."""
        row_total = any(r.is_total for r in self.rows)
        col_total = any(c.is_total for c in self.cols)
        if not self.has_cols:
            return (TOTAL, "") if row_total else None
        if row_total and col_total:
            return (TOTAL, TOTAL)
        return None

    def label_of(self, key: CellKey) -> str:
        """A screen reader label: 'row, column'."""
        label = self._labels.get(key)
        return label if label is not None else self._label_of(key)

    @cached_property
    def _labels(self) -> dict[CellKey, str]:
        # Looked up hundreds of times a page (fields, rules' messages); grids are built once per
        # catalogue and their axes never change afterwards.
        return {key: self._label_of(key) for key in self.keys()}

    def _label_of(self, key: CellKey) -> str:
        # An axis without a dimension (code "") adds nothing: "Vrouw", not "Vrouw, Aantal".
        row = next((r.label for r in self.rows if r.code == key[0] and r.code), "")
        col = next((c.label for c in self.cols if c.code == key[1] and c.code), "")
        return ", ".join(part for part in (row, col) if part) or self.indicator.label


def build_grid(indicator: Indicator, categories_by_dimension: dict[int, list[Category]]) -> Grid:
    """Lay out an indicator; categories come pre-loaded so building many grids costs no queries."""
    total_label = indicator.total_label or "Totaal"
    if indicator.row_dimension_id:
        rows = [Axis(c.code, c.label) for c in categories_by_dimension.get(indicator.row_dimension_id, [])]
        if indicator.total_row:
            rows.append(Axis(TOTAL, total_label, is_total=True))
    else:
        rows = [Axis("", indicator.label)]
    if indicator.col_dimension_id:
        cols = [Axis(c.code, c.label) for c in categories_by_dimension.get(indicator.col_dimension_id, [])]
        if indicator.total_column:
            cols.append(Axis(TOTAL, "Totaal", is_total=True))
    else:
        cols = [Axis("", "Aantal")]

    grid = Grid(indicator=indicator, rows=rows, cols=cols)
    part_rows = [r.code for r in rows if not r.is_total]
    part_cols = [c.code for c in cols if not c.is_total]
    has_row_total = any(r.is_total for r in rows)
    has_col_total = any(c.is_total for c in cols)
    if has_row_total:
        # A total row sums each column over the rows.
        for col in cols:
            grid.totals.append(((TOTAL, col.code), [(r, col.code) for r in part_rows]))
    if has_col_total:
        # A total column sums each row over the columns (the grand total is covered above too).
        for row in rows:
            parts = [(row.code, c) for c in part_cols]
            grid.totals.append(((row.code, TOTAL), parts))
    return grid
