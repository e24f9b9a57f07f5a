"""Charts rendered on the server as SVG with pygal: no CDN, no script.

What a reader should be able to trust:

* never a total beside its own parts: a 2-D table (vorm x leeftijd) is drawn as stacked bars, one
  bar per category and year made of its parts; where only a category's total is known, that total
  is the whole bar ("niet uitgesplitst"); totals rows are never drawn;
* the years in the same order as the table beside the chart (newest first);
* every bar carries its number, and the table beside each chart is its accessible equivalent;
* the legend gets the room it needs (its rows are counted, none falls off the image);
* in the public variant a hidden cell (`<5`, `x`) is not drawn, and a pie with a hidden slice is
  not drawn at all (its shares would give the hidden count away).
"""

from __future__ import annotations

import re

import pygal
from lxml import etree
from pygal.style import Style

from apps.monitor.tables import Row, Table
from apps.submissions.models import TOTAL

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    colors=("#0b5394", "#e69138", "#6aa84f", "#8e7cc3", "#c27ba0", "#45818e", "#cc0000", "#999999", "#3d85c6"),
    title_font_size=22,
    legend_font_size=17,
    label_font_size=16,
    major_label_font_size=16,
    value_font_size=15,
    value_colors=("#ffffff",),
)
WIDTH = 800
BASE_HEIGHT = 420
LEGEND_ROW = 30  # px per legend row at legend_font_size 17
CONFIG = {
    "style": STYLE,
    "width": WIDTH,
    "js": [],  # never load pygal's tooltip script
    "disable_xml_declaration": False,
    "legend_at_bottom": True,
    "truncate_legend": -1,
    "truncate_label": -1,
    "show_y_guides": True,
    "print_zeroes": False,
}
NOT_SPLIT = "niet uitgesplitst"


SVG = "{http://www.w3.org/2000/svg}"
TRANSLATE = re.compile(r"translate\(\s*([-\d.]+)[ ,]+([-\d.]+)\s*\)")


def _strip_scripts(svg: bytes) -> bytes:
    """pygal always adds an inline configuration script (an image needs none), and it reserves room
    for sqrt(n) legend rows whatever the columns: grow the image until the last legend row fits."""
    root = etree.fromstring(svg)
    for script in root.iter(f"{SVG}script"):
        script.getparent().remove(script)
    bottom = 0.0
    for legends in root.iter(f"{SVG}g"):
        if legends.get("class") != "legends":
            continue
        found = TRANSLATE.search(legends.get("transform", ""))
        offset = float(found.group(2)) if found else 0.0
        for text in legends.iter(f"{SVG}text"):
            bottom = max(bottom, offset + float(text.get("y", 0)) + 8)
    x, y, width, height = (float(v) for v in root.get("viewBox", "0 0 800 500").split())
    if bottom > height:
        height = bottom
        root.set("viewBox", f"{x:g} {y:g} {width:g} {height:g}")
        for rect in root.iter(f"{SVG}rect"):
            if rect.get("class", "").startswith("background"):
                rect.set("height", f"{height:g}")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _legend(labels: list[str]) -> dict:
    """Columns and extra height so that every legend entry fits (pygal does not wrap them)."""
    longest = max((len(label) for label in labels), default=0)
    columns = 3 if longest <= 16 else 2 if longest <= 30 else 1
    columns = max(1, min(columns, len(labels)))
    rows = -(-len(labels) // columns)
    return {"legend_at_bottom_columns": columns, "height": BASE_HEIGHT + rows * LEGEND_ROW, "legend_rows": rows}


def _number(row: Row, index: int, hidden: frozenset) -> int | None:
    if row.ids[index] in hidden:
        return None
    return row.cells[index].number


def _common_words(labels: list[str]) -> str:
    words = [label.split() for label in labels]
    shared = []
    for group in zip(*words):
        if len(set(group)) != 1:
            break
        shared.append(group[0])
    return " ".join(shared) or labels[0]


def is_grid(table: Table) -> bool:
    """A category split by a second dimension (e.g. vorm x leeftijd): some row is a split cell."""
    return any(row.key[0] not in ("", TOTAL) and row.key[1] not in ("", TOTAL) for row in table.rows) and any(
        row.key[1] == TOTAL for row in table.rows
    )


def chart_rows(table: Table) -> int:
    """How many legend rows the chart has (tests, and the page's image height)."""
    return _legend(_series_labels(table))["legend_rows"]


def _series_labels(table: Table) -> list[str]:
    if table.chart == "pie" or not is_grid(table):
        return [row.label for row in table.part_rows]
    return [label for label, __ in _grid(table, frozenset())[1]]


def _grid(table: Table, hidden: frozenset) -> tuple[list[str], list[tuple[str, list[int | None]]]]:
    """x labels (category and year) and the stacked series (one per column category)."""
    categories: dict[str, dict] = {}
    for row in table.rows:
        r, c = row.key
        if r in ("", TOTAL):
            continue
        entry = categories.setdefault(r, {"label": row.label, "total": None, "parts": {}})
        if c == TOTAL:
            entry["label"], entry["total"] = row.label, row
        else:
            entry["parts"][c] = row
    # A split row is labelled "<category> <column>" ("Seksuele uitbuiting minderjarig"): the category's
    # label is its total's, else the words its split rows share; the column's label is the rest.
    for entry in categories.values():
        if entry["total"] is None and len(entry["parts"]) > 1:
            entry["label"] = _common_words([row.label for row in entry["parts"].values()])
    columns: dict[str, str] = {}
    for entry in categories.values():
        if entry["total"] is None and len(entry["parts"]) < 2:
            continue
        for c, row in entry["parts"].items():
            rest = row.label[len(entry["label"]) :].strip() if row.label.startswith(entry["label"]) else row.label
            columns.setdefault(c, rest or row.label)
    for entry in categories.values():
        for c, row in entry["parts"].items():
            columns.setdefault(c, row.label)
        if entry["total"] is None and len(entry["parts"]) == 1:
            (c, row), = entry["parts"].items()
            if row.label.endswith(columns[c]) and row.label != columns[c]:
                entry["label"] = row.label[: -len(columns[c])].strip()
    x_labels, series = [], {c: [] for c in columns}
    rest: list[int | None] = []
    for entry in categories.values():
        for index, year in enumerate(table.years):
            x_labels.append(f"{entry['label']} {year}")
            known = 0
            any_hidden = False
            for c in columns:
                row = entry["parts"].get(c)
                value = _number(row, index, hidden) if row is not None else None
                any_hidden = any_hidden or (row is not None and row.ids[index] in hidden)
                series[c].append(value)
                known += value or 0
            total = _number(entry["total"], index, hidden) if entry["total"] is not None else None
            # The part of a known total that is not split (never computed around a hidden cell).
            rest.append(total - known if total is not None and not any_hidden and total > known else None)
    result = [(columns[c], values) for c, values in series.items()]
    if any(v for v in rest):
        result.append((NOT_SPLIT, rest))
    return x_labels, result


def render_chart(table: Table, hidden: frozenset = frozenset()) -> bytes | None:
    """The table's chart as SVG bytes; None when (in the public variant) it cannot be drawn safely."""
    parts = table.part_rows
    if table.chart == "pie":
        if any(row.ids[0] in hidden for row in parts):
            return None
        total = sum(row.cells[0].number or 0 for row in parts)
        labels = [row.label for row in parts if row.cells[0].number]
        legend = _legend(labels)
        legend.pop("legend_rows")
        config = {**CONFIG, **legend, "print_values": True, "formatter": lambda value: f"{value / total:.0%}"}
        chart = pygal.Pie(title=f"{table.title} ({table.years[0]})", inner_radius=0.4, **config)
        for row in parts:
            if row.cells[0].number:
                chart.add(f"{row.label}: {row.cells[0].number}", row.cells[0].number)
        return _strip_scripts(chart.render())
    if is_grid(table):
        x_labels, series = _grid(table, hidden)
        legend = _legend([label for label, __ in series])
        legend.pop("legend_rows")
        legend["height"] += max(0, len(x_labels) - 8) * 22  # room for every bar
        chart = pygal.HorizontalStackedBar(
            title=table.title, x_labels=list(reversed(x_labels)), print_values=True, min_scale=1, **{**CONFIG, **legend}
        )
        for label, values in series:
            chart.add(label, list(reversed(values)))  # pygal draws the first label at the bottom
        return _strip_scripts(chart.render())
    legend = _legend([row.label for row in parts])
    legend.pop("legend_rows")
    chart = pygal.Bar(
        title=table.title,
        x_labels=[str(y) for y in table.years],  # newest first, as in the table
        print_values=True,
        min_scale=1,
        **{**CONFIG, **legend},
    )
    for row in parts:
        chart.add(row.label, [_number(row, i, hidden) for i in range(len(table.years))])
    return _strip_scripts(chart.render())


def chart_height(table: Table) -> int:
    """The SVG's height, for the <img> on the page (no layout shift)."""
    if table.chart == "pie":
        return _legend([row.label for row in table.part_rows if row.cells[0].number])["height"]
    if is_grid(table):
        x_labels, series = _grid(table, frozenset())
        return _legend([label for label, __ in series])["height"] + max(0, len(x_labels) - 8) * 22
    return _legend([row.label for row in table.part_rows])["height"]


def drawable(table: Table, hidden: frozenset = frozenset()) -> bool:
    """Whether the table has a chart that can be shown (a pie with a hidden slice cannot)."""
    if not table.chart:
        return False
    if table.chart == "pie":
        return not any(row.ids[0] in hidden for row in table.part_rows)
    return True
