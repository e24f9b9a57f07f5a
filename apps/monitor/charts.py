"""Charts rendered on the server as SVG with pygal: no CDN, no script.

Bars by category over the years, or the shares of one year as a pie. The table beside each chart is
its accessible equivalent.
"""

from __future__ import annotations

import pygal
from lxml import etree
from pygal.style import Style

from apps.monitor.tables import Table

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
    value_font_size=16,
    value_colors=("#ffffff",),
)
CONFIG = {
    "style": STYLE,
    "width": 800,
    "height": 500,
    "js": [],  # never load pygal's tooltip script
    "disable_xml_declaration": False,
    "print_values": False,
    "legend_at_bottom": True,
    "legend_at_bottom_columns": 2,
    "truncate_legend": -1,
    "show_y_guides": True,
}


def _strip_scripts(svg: bytes) -> bytes:
    """pygal always adds an inline configuration script; an image needs none."""
    root = etree.fromstring(svg)
    for script in root.iter("{http://www.w3.org/2000/svg}script"):
        script.getparent().remove(script)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def render_chart(table: Table) -> bytes:
    """The table's chart as SVG bytes."""
    parts = table.part_rows
    if table.chart == "pie":
        total = sum(row.cells[0].number or 0 for row in parts)
        config = {**CONFIG, "print_values": True, "formatter": lambda value: f"{value / total:.0%}"}
        chart = pygal.Pie(title=f"{table.title} ({table.years[0]})", inner_radius=0.4, **config)
        for row in parts:
            if row.cells[0].number:
                chart.add(row.label, row.cells[0].number)
    else:
        years = list(reversed(table.years))  # oldest first along the axis
        chart = pygal.Bar(title=table.title, x_labels=[str(y) for y in years], min_scale=1, **CONFIG)
        for row in parts:
            by_year = dict(zip(table.years, row.cells, strict=True))
            chart.add(row.label, [by_year[y].number for y in years])
    return _strip_scripts(chart.render())
