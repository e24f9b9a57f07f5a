"""Lay the aggregated figures out as the monitor prints them: rows = categories, columns = years.

Earlier editions are read through the main edition's categories: a category that was later merged
into another (``Category.maps_to``) is added to its successor so that years stay comparable, and the
category's footnote is shown on that row. Each table also knows the equations a reader can see
(total = sum of parts per column, area breakdowns under the region total), which the public export
needs for secondary suppression.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from apps.monitor.aggregation import BLANK, NOT_ASKED, Cell, EditionData, combine
from apps.monitor.suppression import Line
from apps.submissions.grid import CellKey
from apps.submissions.models import TOTAL, Dimension, Indicator

CellId = tuple[int, str, str, str, str]  # (year, indicator code, row, col, area); area "" = the region
SHARE_DIMENSIONS = frozenset({"gender", "melder", "regio"})
KEY_FIGURES = "kerncijfers"


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str


@dataclass
class Row:
    key: CellKey
    label: str
    cells: list[Cell]
    ids: list[CellId]
    is_total: bool = False
    level: int = 0
    exempt: bool = False  # not a count of persons (catalogue `counts_persons: false`, yes/no tallies): shown as is
    notes: list[int] = field(default_factory=list)
    cell_notes: list[list[int]] = field(default_factory=list)

    @property
    def entries(self) -> list[tuple[Cell, list[int]]]:
        return list(zip(self.cells, self.cell_notes, strict=True))


@dataclass
class Table:
    code: str
    title: str
    columns: list[str]
    rows: list[Row]
    years: list[int] = field(default_factory=list)
    help_text: str = ""
    notes: list[Footnote] = field(default_factory=list)
    chart: str = ""  # "bar", "pie" or ""
    lines: list[Line] = field(default_factory=list)
    row_header: str = ""
    # Cells of an earlier year that add up several of that edition's categories (`maps_to`):
    # {cell id: the earlier edition's own cell ids}, so disclosure control sees the equation.
    sources: dict[CellId, tuple[CellId, ...]] = field(default_factory=dict)

    @property
    def part_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.is_total]

    @property
    def is_empty(self) -> bool:
        """No figure in any column and no footnote: listed as 'no figures' instead of printed."""
        return not self.notes and all(c.number is None for row in self.rows for c in row.cells)

    @property
    def chart_alt(self) -> str:
        if self.chart == "pie":
            return _("Cirkeldiagram: verdeling van %(title)s in %(year)s. De cijfers staan in de tabel.") % {
                "title": self.title.lower(),
                "year": self.years[0],
            }
        years = ", ".join(str(y) for y in sorted(self.years))
        return _("Staafdiagram: %(title)s per categorie in %(years)s. De cijfers staan in de tabel.") % {
            "title": self.title,
            "years": years,
        }


class Notes:
    """Footnote numbering of one chapter: the same text gets the same number."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def number(self, text: str, table: Table) -> int:
        text = " ".join(text.split())
        if text not in self.numbers:
            self.numbers[text] = len(self.numbers) + 1
        note = Footnote(self.numbers[text], text)
        if note not in table.notes:
            table.notes.append(note)
        return note.number


def counts_persons(indicator: Indicator) -> bool:
    """Whether the figures are counts of persons, protected in public (yes/no tallies never are)."""
    return indicator.kind == Indicator.Kind.COUNT and getattr(indicator, "counts_persons", True)


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:] if label[:1].isupper() and label[1:2].islower() else label


class TableBuilder:
    """Builds the tables of one edition with its comparison years, without further queries."""

    def __init__(
        self,
        data: dict[int, EditionData],
        main_year: int,
        years: list[int],
        comments: dict[tuple[int, str, str, str], list[str]],
    ) -> None:
        self.data = data
        self.main = data[main_year]
        self.years = years  # newest first
        self.comments = comments
        self._maps: dict[tuple[int, str], dict[str, str]] = {}

    # -- categories across editions -------------------------------------------------------------

    def mapping(self, year: int, dimension: str) -> dict[str, str]:
        """{code in `year`: code in the main edition} for one dimension."""
        if (year, dimension) not in self._maps:
            main_codes = {c.code for c in self.main.categories.get(dimension, [])}
            own = {c.code: c for c in self.data[year].categories.get(dimension, [])}
            result = {}
            for code in own:
                target, hops = code, 0
                while target not in main_codes and target in own and own[target].maps_to and hops < 5:
                    target, hops = own[target].maps_to, hops + 1
                result[code] = target
            self._maps[(year, dimension)] = result
        return self._maps[(year, dimension)]

    def _raw_codes(self, year: int, dimension: Dimension | None, code: str) -> list[str]:
        if dimension is None or code in ("", TOTAL):
            return [code]
        return [raw for raw, target in self.mapping(year, dimension.code).items() if target == code]

    def sources(self, year: int, code: str, key: CellKey) -> tuple[CellId, ...] | None:
        """The earlier edition's own cells behind a merged cell, or None when it is one of its own."""
        indicator = self.data[year].indicators.get(code)
        if indicator is None or year == self.main.year:
            return None
        rows = self._raw_codes(year, indicator.row_dimension, key[0])
        cols = self._raw_codes(year, indicator.col_dimension, key[1])
        if rows == [key[0]] and cols == [key[1]]:
            return None
        return tuple((year, code, r, c, "") for r in rows for c in cols)

    def year_cell(self, year: int, code: str, key: CellKey) -> Cell:
        entry = self.data[year]
        indicator = entry.indicators.get(code)
        if indicator is None:
            return NOT_ASKED
        rows = self._raw_codes(year, indicator.row_dimension, key[0])
        cols = self._raw_codes(year, indicator.col_dimension, key[1])
        return combine(entry.cell(code, (r, c)) for r in rows for c in cols)

    def axis(self, indicator: Indicator, years: list[int], which: str) -> list[tuple[str, str]]:
        """(code, label) of the categories, the main edition's first, then unmapped older ones."""
        dimension = indicator.row_dimension if which == "row" else indicator.col_dimension
        if dimension is None:
            return []
        items = [(c.code, c.label) for c in self.main.categories.get(dimension.code, [])]
        seen = {code for code, __ in items}
        for year in years:
            for category in self.data[year].categories.get(dimension.code, []):
                target = self.mapping(year, dimension.code)[category.code]
                if target not in seen:
                    items.append((target, category.label))
                    seen.add(target)
        return items

    def category_notes(self, indicator: Indicator, years: list[int]) -> dict[str, list[str]]:
        """Footnotes of categories merged into a main category: {main code: [footnote]}."""
        notes: dict[str, list[str]] = defaultdict(list)
        for dimension in (indicator.row_dimension, indicator.col_dimension):
            if dimension is None:
                continue
            for year in years:
                for category in self.data[year].categories.get(dimension.code, []):
                    target = self.mapping(year, dimension.code)[category.code]
                    if category.footnote and target != category.code and category.footnote not in notes[target]:
                        notes[target].append(category.footnote)
        return notes

    # -- layout -----------------------------------------------------------------------------------

    def has_figures(self, year: int, code: str) -> bool:
        entry = self.data[year]
        return entry.has_approved(code) and any(c.number is not None for c in entry.cells.get(code, {}).values())

    def years_of(self, *codes: str) -> list[int]:
        """The main year and each earlier edition with approved figures for the indicator(s)."""
        return [y for y in self.years if y == self.main.year or any(self.has_figures(y, c) for c in codes)]

    def layout(self, indicator: Indicator, years: list[int]) -> tuple[list[tuple[CellKey, str, bool, int]], list[tuple[list[CellKey], CellKey]]]:
        """Rows (key, label, is total, level) and the visible equations (parts, total) in cell keys."""
        code, total_label = indicator.code, indicator.total_label or _("Totaal")
        rows_axis, cols_axis = self.axis(indicator, years, "row"), self.axis(indicator, years, "col")
        has_rows, has_cols = bool(indicator.row_dimension_id), bool(indicator.col_dimension_id)
        if not has_rows and not has_cols:
            return [(("", ""), indicator.label, False, 0)], []
        if has_rows != has_cols:
            make = (lambda x: (x, "")) if has_rows else (lambda x: ("", x))
            specs = [(make(c), label, False, 0) for c, label in (rows_axis or cols_axis)]
            if indicator.total_row if has_rows else indicator.total_column:
                specs.append((make(TOTAL), total_label, True, 0))
                return specs, [([s[0] for s in specs[:-1]], make(TOTAL))]
            return specs, []

        def known(key: CellKey, given_only: bool = False) -> bool:
            cells = (self.year_cell(y, code, key) for y in years)
            return any(c.number is not None and not (given_only and c.derived) for c in cells)

        def total_needed(r: str) -> bool:
            # Show a category's total when it tells something its split does not.
            for y in years:
                total = self.year_cell(y, code, (r, TOTAL))
                given = total.number is not None and not total.derived
                if given and any(self.year_cell(y, code, (r, c)).number is None for c, __ in cols_axis):
                    return True
            return False

        specs: list[tuple[CellKey, str, bool, int]] = []
        lines: list[tuple[list[CellKey], CellKey]] = []
        top: list[CellKey] = []
        for r, row_label in rows_axis:
            split = [(r, c) for c, __ in cols_axis if known((r, c))]
            # The equations name every column, also one left out because it is blank in every year
            # shown: a reader knows the row total covers it (26 beside 18+ 23 gives 18- = 3), and a
            # later edition that shows the column as a blank gives the same equation.
            every = [(r, c) for c, __ in cols_axis]
            with_total = indicator.total_column and (not split or total_needed(r))
            if not split and not indicator.total_column:
                split = every
            if with_total:
                specs.append(((r, TOTAL), row_label, False, 0))
                top.append((r, TOTAL))
                # Not for a total over blanks only: their sum is the total itself (hidden when small),
                # and beside incomplete figures that do not add up the equation contradicted the others.
                if split:
                    lines.append((every, (r, TOTAL)))
            else:
                top.extend(every)
            labels = dict(cols_axis)
            specs += [(key, f"{row_label} {_lower_first(labels[key[1]])}", False, 1 if with_total else 0) for key in split]
        if indicator.total_row:
            for c, col_label in cols_axis:
                if not indicator.total_column or known((TOTAL, c), given_only=True):
                    specs.append(((TOTAL, c), f"{total_label} {_lower_first(col_label)}", True, 0))
                # Also for a column total not shown: the grand total's second equation names it, and
                # a later edition that shows it as a blank gives this equation too (30 - 23 = 7 of 18-).
                lines.append(([(r, c) for r, __ in rows_axis], (TOTAL, c)))
            if indicator.total_column:
                specs.append(((TOTAL, TOTAL), total_label, True, 0))
                lines.append((top, (TOTAL, TOTAL)))
                # the column totals add up to the grand total too (a reader sees 30 - 26 = 4)
                lines.append(([(TOTAL, c) for c, __ in cols_axis], (TOTAL, TOTAL)))
        return specs, lines

    # -- tables -----------------------------------------------------------------------------------

    def indicator_table(self, indicator: Indicator, notes: Notes) -> Table:
        code = indicator.code
        years = self.years_of(code)
        specs, key_lines = self.layout(indicator, years)
        table = Table(
            code=code,
            title=indicator.label,
            help_text=indicator.help_text,
            columns=[str(y) for y in years],
            years=years,
            rows=[],
            row_header=(indicator.row_dimension or indicator.col_dimension).label
            if (indicator.row_dimension or indicator.col_dimension)
            else "",
        )
        category_notes = self.category_notes(indicator, years)
        for key, label, is_total, level in specs:
            row = Row(
                key=key,
                label=label,
                is_total=is_total,
                level=level,
                cells=[self.year_cell(y, code, key) for y in years],
                ids=[(y, code, key[0], key[1], "") for y in years],
                exempt=not counts_persons(indicator),
                cell_notes=[[] for __ in years],
            )
            for y, cell_id in zip(years, row.ids, strict=True):
                merged = self.sources(y, code, key)
                if merged:
                    table.sources[cell_id] = merged
            for text in category_notes.get(key[0], []) + (category_notes.get(key[1], []) if key[1] != key[0] else []):
                row.notes.append(notes.number(text, table))
            table.rows.append(row)
        for y_index, y in enumerate(years):
            table.lines += [
                Line(tuple((y, code, p[0], p[1], "") for p in parts), (y, code, total[0], total[1], ""))
                for parts, total in key_lines
            ]
            self._attach_comments(table, indicator, y, y_index, notes)
        table.chart = self._chart_kind(table, indicator)
        return table

    def _attach_comments(self, table: Table, indicator: Indicator, year: int, y_index: int, notes: Notes) -> None:
        rows = {row.key: row for row in table.rows}
        entry = self.data[year]
        own = entry.indicators.get(indicator.code)
        if own is None:
            return
        for (c_year, c_code, raw_row, raw_col), texts in self.comments.items():
            if c_year != year or c_code != indicator.code:
                continue
            key = (self._main_code(year, own.row_dimension, raw_row), self._main_code(year, own.col_dimension, raw_col))
            for text in texts:
                number = notes.number(text, table)
                if key in rows:
                    rows[key].cell_notes[y_index].append(number)

    def _main_code(self, year: int, dimension: Dimension | None, code: str) -> str:
        if dimension is None or code in ("", TOTAL):
            return code
        return self.mapping(year, dimension.code).get(code, code)

    @staticmethod
    def _chart_kind(table: Table, indicator: Indicator) -> str:
        parts = table.part_rows
        if indicator.kind != Indicator.Kind.COUNT or len(parts) < 2:
            return ""
        if not any(c.number for row in parts for c in row.cells):
            return ""
        dimension = indicator.row_dimension if indicator.row_dimension_id else indicator.col_dimension
        if dimension is not None and not indicator.col_dimension_id and dimension.code in SHARE_DIMENSIONS:
            return "pie" if any(row.cells[0].number for row in parts) else ""
        return "bar"

    def key_figures(self, indicators: list[Indicator], notes: Notes) -> Table:
        """The chapter's single figures in one table: a row per indicator, a column per year."""
        years = self.years_of(*(i.code for i in indicators))
        table = Table(
            code=KEY_FIGURES,
            title=_("Kerncijfers"),
            columns=[str(y) for y in years],
            years=years,
            rows=[],
            row_header=_("Cijfer"),
        )
        for indicator in indicators:
            label = indicator.label
            if indicator.kind == Indicator.Kind.BOOLEAN:
                label = _("%(label)s (aantal ja)") % {"label": label}
            table.rows.append(
                Row(
                    key=("", ""),
                    label=label,
                    cells=[self.year_cell(y, indicator.code, ("", "")) for y in years],
                    ids=[(y, indicator.code, "", "", "") for y in years],
                    exempt=not counts_persons(indicator),
                    cell_notes=[[] for __ in years],
                )
            )
        for y_index, y in enumerate(years):
            for row, indicator in zip(table.rows, indicators, strict=True):
                for text in self.comments.get((y, indicator.code, "", ""), []):
                    row.cell_notes[y_index].append(notes.number(text, table))
        return table

    def breakdown(
        self, table: Table, indicator: Indicator, areas: list[tuple[str, str]], cells: dict[str, dict[str, dict]], area_field: str
    ) -> Table:
        """The main year's figures of a table per area (subregion or kind) beside the region total."""
        year, code = self.main.year, indicator.code
        title = _("%(title)s naar subregio") if area_field == "subregion" else _("%(title)s naar soort organisatie")
        result = Table(
            code=f"{code}-{area_field}",
            title=title % {"title": indicator.label} + f" ({year})",
            columns=[label for __, label in areas] + [_("Regio (totaal)")],
            years=[year],
            rows=[],
            row_header=table.row_header,
        )
        main_index = table.years.index(year)
        for row in table.rows:
            area_cells = [cells.get(area, {}).get(code, {}).get(row.key, BLANK) for area, __ in areas]
            result.rows.append(
                Row(
                    key=row.key,
                    label=row.label,
                    is_total=row.is_total,
                    level=row.level,
                    exempt=row.exempt,
                    cells=area_cells + [row.cells[main_index]],
                    ids=[(year, code, row.key[0], row.key[1], area) for area, __ in areas] + [row.ids[main_index]],
                    cell_notes=[[] for __ in range(len(areas) + 1)],
                )
            )
            result.lines.append(Line(tuple(result.rows[-1].ids[:-1]), row.ids[main_index]))
        for line in table.lines:
            if line.total[0] != year:
                continue
            for area, __ in areas:
                result.lines.append(Line(tuple(p[:4] + (area,) for p in line.parts), line.total[:4] + (area,)))
        return result
