"""Charts a reader understands: stacked grids without double counting, legends that fit, table order."""

from __future__ import annotations

import re

from lxml import etree

from apps.monitor import charts
from apps.monitor.aggregation import Cell
from apps.monitor.tables import Row, Table
from apps.submissions.models import TOTAL

YEARS = [2024, 2023]
SVG = "{http://www.w3.org/2000/svg}"


def row(key, label, numbers, *, total=False, level=0) -> Row:
    return Row(
        key=key,
        label=label,
        cells=[Cell(number=n) for n in numbers],
        ids=[(y, "t", key[0], key[1], "") for y in YEARS],
        is_total=total,
        level=level,
        cell_notes=[[] for __ in YEARS],
    )


def police_grid() -> Table:
    """Informatieve gesprekken as the 2024 form asks them: vorm x leeftijd with totals."""
    rows = [
        row(("seksueel", TOTAL), "Seksuele uitbuiting", [30, 41]),
        row(("seksueel", "min"), "Seksuele uitbuiting minderjarig", [10, 11], level=1),
        row(("seksueel", "meer"), "Seksuele uitbuiting meerderjarig", [20, 30], level=1),
        row(("crimineel", TOTAL), "Criminele uitbuiting", [9, 14]),  # 2023: only the total
        row(("crimineel", "min"), "Criminele uitbuiting minderjarig", [6, None], level=1),
        row(("crimineel", "meer"), "Criminele uitbuiting meerderjarig", [3, None], level=1),
        row((TOTAL, TOTAL), "Totaal aantal gesprekken", [39, 55], total=True),
    ]
    return Table(code="t", title="Informatieve gesprekken", columns=[str(y) for y in YEARS], rows=rows, years=YEARS, chart="bar")


def legend_texts(svg: bytes) -> list[str]:
    root = etree.fromstring(svg)
    return [t.text for g in root.iter(f"{SVG}g") if g.get("class") == "legends" for t in g.iter(f"{SVG}text")]


def test_it_stacks_a_grid_from_its_parts_and_never_beside_its_totals():
    x_labels, series = charts._grid(police_grid(), frozenset())
    assert x_labels == [
        "Seksuele uitbuiting 2024",
        "Seksuele uitbuiting 2023",
        "Criminele uitbuiting 2024",
        "Criminele uitbuiting 2023",
    ]
    stacks = dict(series)
    assert set(stacks) == {"minderjarig", "meerderjarig", charts.NOT_SPLIT}
    # Each bar adds up to its category's total: 30, 41, 9, 14; the grand total is not drawn.
    sums = [sum(v or 0 for v in values) for values in zip(*stacks.values(), strict=True)]
    assert sums == [30, 41, 9, 14]
    assert stacks[charts.NOT_SPLIT] == [None, None, None, 14]


def test_it_draws_a_grid_as_horizontal_stacked_bars_with_its_numbers():
    svg = charts.render_chart(police_grid())
    assert b"Seksuele uitbuiting 2024" in svg and b"Totaal aantal gesprekken" not in svg
    assert set(legend_texts(svg)) == {"minderjarig", "meerderjarig", charts.NOT_SPLIT}
    values = re.findall(rb'class="value[^"]*"[^>]*>(\d+)<', svg)
    assert b"20" in values and b"6" in values


def test_it_orders_the_years_as_the_table_does():
    table = police_grid()
    table.rows = [r for r in table.rows if r.key[1] == TOTAL]  # only the totals: a plain bar chart
    root = etree.fromstring(charts.render_chart(table))
    labels = [t.text for g in root.iter(f"{SVG}g") if g.get("class") == "axis x always_show" or g.get("class") == "axis x" for t in g.iter(f"{SVG}text")]
    assert [label for label in labels if label in ("2024", "2023")] == ["2024", "2023"]


def test_it_fits_every_legend_row_inside_the_image():
    labels = ["< 18", "18 < 23", "23 < 30", "30 < 40", "40 < 50", "50 < 60", "60 < 70", "Onbekend", "Overig"]
    table = Table(
        code="t",
        title="Leeftijd",
        columns=[str(y) for y in YEARS],
        rows=[row((f"c{i}", ""), label, [i + 5, i + 6]) for i, label in enumerate(labels)],
        years=YEARS,
        chart="bar",
    )
    svg = charts.render_chart(table)
    root = etree.fromstring(svg)
    height = float(root.get("viewBox").split()[3])
    legends = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legends")
    offset = float(re.search(r"translate\(\s*[-\d.]+[ ,]+([-\d.]+)", legends.get("transform")).group(1))
    lowest = max(float(t.get("y")) for t in legends.iter(f"{SVG}text")) + offset
    assert legend_texts(svg) == labels
    assert lowest < height


def test_it_leaves_hidden_cells_out_of_a_public_chart():
    table = police_grid()
    hidden = frozenset({(2024, "t", "crimineel", "meer", "")})
    __, series = charts._grid(table, hidden)
    stacks = dict(series)
    assert stacks["meerderjarig"][2] is None
    # The unsplit rest is never computed around a hidden cell (it would give it away).
    assert stacks[charts.NOT_SPLIT][2] is None


def test_it_draws_no_pie_with_a_hidden_slice():
    pie = Table(
        code="g",
        title="Gender",
        columns=["2024"],
        rows=[
            Row(key=("vrouw", ""), label="Vrouw", cells=[Cell(number=40)], ids=[(2024, "g", "vrouw", "", "")], cell_notes=[[]]),
            Row(key=("man", ""), label="Man", cells=[Cell(number=3)], ids=[(2024, "g", "man", "", "")], cell_notes=[[]]),
        ],
        years=[2024],
        chart="pie",
    )
    assert charts.drawable(pie)
    assert not charts.drawable(pie, frozenset({(2024, "g", "man", "", "")}))
    assert charts.render_chart(pie, frozenset({(2024, "g", "man", "", "")})) is None
