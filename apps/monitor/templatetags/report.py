"""Figures of the report: the public variant shows `<5` or `x` for every hidden cell."""

from __future__ import annotations

import base64

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.monitor import charts
from apps.monitor.report import ReportDocument
from apps.monitor.tables import Row
from apps.monitor.templatetags.monitor import figure, notes

register = template.Library()


register.simple_tag(notes, name="notes_for")


@register.simple_tag
def report_figure(document: ReportDocument, row: Row, index: int, table_code: str) -> SafeString:
    """One cell of a table in the report; a hidden cell never shows its number."""
    numbers = row.cell_notes[index]
    symbol = document.symbol(row.ids[index])
    if symbol is not None:
        return format_html('<abbr class="hidden-figure" title="{}">{}</abbr>{}', _explain(symbol), symbol, notes(numbers, table_code))
    return figure(row.cells[index], numbers, table_code)


def _explain(symbol: str) -> str:
    from django.utils.translation import gettext as _

    if symbol == "x":
        return _("afgeschermd: anders is een klein aantal terug te rekenen")
    return _("klein aantal, afgeschermd")


@register.simple_tag
def chart_src(document: ReportDocument, chapter_code: str, table) -> str:
    """Where the chart's SVG comes from: the monitor (staff), the public site, or inline (the PDF)."""
    hidden = document.hidden()
    if not charts.drawable(table, hidden):
        return ""
    if document.chart_mode == "inline":
        svg = charts.render_chart(table, hidden)
        return "data:image/svg+xml;base64," + base64.b64encode(svg).decode() if svg else ""
    if document.chart_mode == "public":
        return reverse("public_chart", args=[document.year, chapter_code, table.code])
    return reverse("monitor_chart", args=[document.year, chapter_code, table.code])


@register.simple_tag
def chart_height(table) -> int:
    return charts.chart_height(table)
