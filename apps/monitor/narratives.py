"""The partners' narratives of a chapter page, a page at a time.

The gemeenten chapter has a narrative of every municipality (about 830 at 1,000 organisations): a
web page shows `PAGE_SIZE` of them, in the report's order (indicator, then organisation), with a
paged list (`?pagina=`) and a search by organisation (`?organisatie=`). The PDF and the whole
report on one page keep every narrative: they are the document. Everything is read from the cached
report, so a page costs no query more for 10 or 1,000 organisations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

from apps.monitor.aggregation import Narrative

PAGE_SIZE = 20
PAGE_PARAM = "pagina"
SEARCH_PARAM = "organisatie"
MAX_SEARCH = 100  # characters of the search kept: longer input is not an organisation's name


@dataclass
class NarrativeGroup:
    label: str  # the indicator's question
    texts: list[tuple[str, str]] = field(default_factory=list)  # (organisation, text)


@dataclass
class NarrativePage:
    total: int  # every narrative of the chapter
    matching: int  # those of the organisations searched for (= total without a search)
    page: Page
    groups: list[NarrativeGroup]
    search: str

    @property
    def paged(self) -> bool:
        return self.page.paginator.num_pages > 1

    def url(self, number: int) -> str:
        """The query string of page `number` with the same search (links of the paged list)."""
        params = {SEARCH_PARAM: self.search} if self.search else {}
        if number > 1:
            params[PAGE_PARAM] = number
        return f"?{urlencode(params)}" if params else "?"

    @property
    def previous_url(self) -> str:
        return self.url(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_url(self) -> str:
        return self.url(self.page.next_page_number()) if self.page.has_next() else ""

    @property
    def links(self) -> list[tuple[int | None, str]]:
        """(number, query) of the pages to link: the first, the last and two around this one; None a gap."""
        count, current = self.page.paginator.num_pages, self.page.number
        shown = sorted({1, count, *range(max(1, current - 2), min(count, current + 2) + 1)})
        result: list[tuple[int | None, str]] = []
        for number in shown:
            if result and result[-1][0] is not None and number - result[-1][0] > 1:
                result.append((None, ""))
            result.append((number, self.url(number)))
        return result


def narrative_page(narratives: list[Narrative], *, page: str | None, search: str | None) -> NarrativePage:
    """The narratives on page `page` (a bad or too high number gives the first or the last page)."""
    search = (search or "").strip()[:MAX_SEARCH]
    entries = [(n.label, organisation, text) for n in narratives for organisation, text in n.texts]
    total = len(entries)
    if search:
        needle = search.casefold()
        entries = [entry for entry in entries if needle in entry[1].casefold()]
    found = Paginator(entries, PAGE_SIZE).get_page(page)
    groups: list[NarrativeGroup] = []
    for label, organisation, text in found.object_list:
        if not groups or groups[-1].label != label:
            groups.append(NarrativeGroup(label=label))
        groups[-1].texts.append((organisation, text))
    return NarrativePage(total=total, matching=len(entries), page=found, groups=groups, search=search)
