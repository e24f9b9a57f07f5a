"""Render aggregated figures: blank is not zero, and the markers match the legend."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from apps.monitor.aggregation import Cell

register = template.Library()


@register.simple_tag
def notes(numbers: list[int], table_code: str) -> SafeString:
    """Footnote references, linked to the notes under the table."""
    return format_html_join(
        "",
        '<sup><a href="#noot-{}-{}" aria-label="{}">({})</a></sup>',
        ((table_code, n, _("voetnoot %(n)s") % {"n": n}, n) for n in numbers),
    )


@register.simple_tag
def figure(cell: Cell, numbers: list[int], table_code: str) -> SafeString:
    """One figure: '.' for unknown, 'n.v.t.' when not asked, '≥' incomplete, '*' derived."""
    refs = notes(numbers, table_code)
    if not cell.asked:
        return format_html('<span class="text-body-secondary" title="{}">n.v.t.</span>{}', _("niet gevraagd"), refs)
    if cell.number is None:
        return format_html(
            '<span aria-hidden="true" title="{}">.</span><span class="visually-hidden">{}</span>{}',
            _("onbekend"),
            _("onbekend"),
            refs,
        )
    parts = []
    if cell.incomplete:
        parts.append(format_html('<abbr title="{}">≥</abbr>', _("onvolledig: minstens")))
    parts.append(format_html("{}", number_format(cell.number, force_grouping=True)))
    if cell.derived:
        parts.append(format_html('<abbr title="{}">*</abbr>', _("berekend als som van de delen")))
    return mark_safe("".join(str(p) for p in parts) + str(refs))  # every part is escaped above
