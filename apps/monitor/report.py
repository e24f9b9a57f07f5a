"""The edition as one document: the editorial chapters placed among the data chapters.

The order is the seed's: cover, contents, then for every data chapter the texts placed before it,
the data chapter (its heading, the texts placed at its start, its tables and charts with their
footnotes, the partners' narratives) and the texts placed after it; texts placed at the start or
the end of the report around all of that; then the appendix. Two variants: internal (VAR staff,
every text, every figure) and public (public texts only, figures through `public.public_report`).

Markdown is rendered with `markdown` and cleaned with `nh3`: whatever a text contains, only the
tags below reach the page (no script, no style attribute, no event handler).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.monitor.models import EditorialChapter
from apps.monitor.services import CHAPTERS, ChapterReport, EditionReport
from apps.monitor.suppression import Suppression
from apps.submissions.models import Edition

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "sup", "sub", "a", "ul", "ol", "li", "blockquote",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "code", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str, top: int = 3) -> SafeString:
    """Markdown to safe HTML: headings start at h3 (the chapter title is the h2), h4 in a section."""
    html = markdown.markdown(text or "", extensions=["sane_lists", "tables"], output_format="html")
    # "# Kop" and "## Kop" are the chapter's sub-headings (h3), "### Kop" one level below.
    for old, new in ((4, top + 2), (3, top + 1), (2, top), (1, top)):
        html = html.replace(f"<h{old}>", f"<h{new}>").replace(f"</h{old}>", f"</h{new}>")
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES))


# -- placement ---------------------------------------------------------------------------------------


def placements() -> list[tuple[str, str]]:
    """(value, label) of the places a text can have in the report, in the report's order."""
    choices = [("start", _("Vooraan, na de inhoudsopgave"))]
    for code, title in CHAPTERS.items():
        choices += [
            (f"before:{code}", _("Vóór het hoofdstuk %(title)s") % {"title": title}),
            (f"intro:{code}", _("In het hoofdstuk %(title)s, vóór de cijfers") % {"title": title}),
            (f"after:{code}", _("Na de cijfers van %(title)s") % {"title": title}),
        ]
    choices.append(("end", _("Achteraan, vóór de bijlage")))
    return choices


def placement_values() -> list[str]:
    """The places in order, without their labels (no translation needed at import time)."""
    values = ["start"]
    for code in CHAPTERS:
        values += [f"before:{code}", f"intro:{code}", f"after:{code}"]
    return [*values, "end"]


PLACEMENT_INDEX = {value: index for index, value in enumerate(placement_values())}


def sort_key(chapter: EditorialChapter) -> tuple[int, int, int]:
    return (PLACEMENT_INDEX.get(chapter.placement, len(PLACEMENT_INDEX)), chapter.order, chapter.pk or 0)


# -- the document ------------------------------------------------------------------------------------


@dataclass
class Block:
    """A part of the report: an editorial text, or a data chapter with the texts at its start."""

    kind: str  # "text" or "data"
    anchor: str
    title: str
    level: int = 2  # 2: a chapter (in the contents), 3: a section of the chapter before it
    html: SafeString = mark_safe("")
    chapter: ChapterReport | None = None
    intro: list[Block] = field(default_factory=list)
    after: list[Block] = field(default_factory=list)
    source: EditorialChapter | None = None


@dataclass
class ReportDocument:
    edition: Edition
    report: EditionReport
    public: bool
    blocks: list[Block]
    suppression: Suppression | None = None
    threshold: int = 5
    chart_mode: str = "internal"  # "internal" (monitor pages), "public" (public site), "inline" (PDF)

    @property
    def contents(self) -> list[Block]:
        return [b for b in self.blocks if b.level == 2]

    @property
    def year(self) -> int:
        return self.edition.year

    def block(self, anchor: str) -> Block | None:
        return next((b for b in self.blocks if b.anchor == anchor), None)

    def neighbours(self, anchor: str) -> tuple[Block | None, Block | None]:
        chapters = self.contents
        index = next((i for i, b in enumerate(chapters) if b.anchor == anchor), None)
        if index is None:
            return None, None
        return (chapters[index - 1] if index else None, chapters[index + 1] if index + 1 < len(chapters) else None)

    def symbol(self, cell_id) -> str | None:
        """'<5' or 'x' for a hidden cell of the public variant; None otherwise."""
        if self.suppression is None:
            return None
        return self.suppression.symbol(cell_id, self.threshold)

    def hidden(self) -> frozenset:
        return frozenset(self.suppression.hidden) if self.suppression is not None else frozenset()


def chapters_for(edition: Edition, *, public: bool) -> list[EditorialChapter]:
    qs = EditorialChapter.objects.filter(edition=edition)
    if public:
        qs = qs.filter(public=True)
    return sorted(qs, key=sort_key)


def _text_block(chapter: EditorialChapter, level: int | None = None) -> Block:
    level = level or (3 if chapter.is_section else 2)
    return Block(
        kind="text",
        anchor=f"tekst-{chapter.slug}",
        title=chapter.title,
        level=level,
        html=render_markdown(chapter.body, top=level + 1),
        source=chapter,
    )


def assemble(
    edition: Edition,
    report: EditionReport,
    *,
    public: bool,
    suppression: Suppression | None = None,
    threshold: int = 5,
    chart_mode: str = "internal",
) -> ReportDocument:
    """The blocks of the report in order; `report` has every data chapter (a whole report)."""
    texts = chapters_for(edition, public=public)
    by_place: dict[str, list[EditorialChapter]] = {}
    for text in texts:
        place = text.placement if text.placement in PLACEMENT_INDEX else "end"
        by_place.setdefault(place, []).append(text)
    blocks = [_text_block(t) for t in by_place.get("start", [])]
    data = {c.code: c for c in report.chapters}
    for code, title in CHAPTERS.items():
        blocks += [_text_block(t) for t in by_place.get(f"before:{code}", [])]
        if code in data:
            blocks.append(
                Block(
                    kind="data",
                    anchor=f"cijfers-{slugify(code)}",
                    title=str(title),
                    chapter=data[code],
                    intro=[_text_block(t, level=3) for t in by_place.get(f"intro:{code}", [])],
                )
            )
        blocks += [_text_block(t) for t in by_place.get(f"after:{code}", [])]
    blocks += [_text_block(t) for t in by_place.get("end", [])]
    # A section (level 3) placed first has no chapter to belong to: it becomes a chapter.
    if blocks and blocks[0].level == 3:
        blocks[0].level = 2
    _nest_sections(blocks)
    return ReportDocument(
        edition=edition,
        report=report,
        public=public,
        blocks=blocks,
        suppression=suppression,
        threshold=threshold,
        chart_mode=chart_mode,
    )


def _nest_sections(blocks: list[Block]) -> None:
    """Sections (level 3) belong to the chapter before them: the public site shows them on its page."""
    current = None
    for block in blocks:
        if block.level == 2:
            current = block
        elif current is not None:
            current.after.append(block)
