"""Chapter pages show the partners' narratives a page at a time; the whole report keeps them all."""

from __future__ import annotations

import lxml.html
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.monitor import services
from apps.monitor.aggregation import forget_catalogues
from apps.monitor.narratives import PAGE_SIZE
from apps.partners.models import Organisation
from apps.submissions.models import Edition, Form, Submission
from tests.monitor.conftest import fill

YEAR = 2023  # published in the demo: staff, partners and the public see it
ORDER: list[str] = []  # the organisations of the chapter's narratives in the report's order (fixture `many`)


def add_municipalities(start: int, count: int) -> None:
    """`count` municipalities with an approved narrative each ("Campagne <i>"), numbered from `start`."""
    form = Form.objects.get(edition__year=YEAR, code="gemeente")
    for i in range(start, start + count):
        organisation = Organisation.objects.create(
            name=f"Gemeente Paging {i:03d}", short_name=f"Paging {i:03d}", slug=f"paging-{i:03d}", kind="gemeente",
            subregion="zhz",
        )
        submission = Submission.objects.create(edition=form.edition, organisation=organisation, form=form)
        fill(submission, {("gem_aandachtsfunctionaris", "", ""): 1, ("gem_campagnes", "", ""): f"Campagne {i}"})


def internal_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("monitor_chapter", args=[YEAR, "gemeenten"]) + (f"?{query}" if query else "")


def public_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("public_chapter", args=[YEAR, "cijfers-gemeenten"]) + (f"?{query}" if query else "")


def narratives(html: str, selector: str) -> list[str]:
    """The organisations under the narratives on the page, in order."""
    section = f"contains(concat(' ', @class, ' '), ' {selector.lstrip('.')} ')"
    return [c.text_content().strip() for c in lxml.html.fromstring(html).xpath(f"//section[{section}]//figcaption")]


@pytest.fixture
def many(demo) -> int:
    """60 municipalities more; the number of narratives in the chapter (`ORDER`: their organisations)."""
    add_municipalities(0, 60)
    report = services.build_report(edition=Edition.objects.get(year=YEAR), published_only=False)
    ORDER[:] = [organisation for n in report.chapter("gemeenten").narratives for organisation, __ in n.texts]
    return len(ORDER)


def test_it_shows_one_page_of_narratives_with_their_number_on_the_chapter_page(client, vera, many):
    client.force_login(vera)
    html = client.get(internal_url()).content.decode()
    assert len(narratives(html, ".monitor-narratives")) == PAGE_SIZE
    heading = lxml.html.fromstring(html).get_element_by_id("toelichtingen").text_content()
    assert heading == f"{many} toelichtingen van partners"
    assert f"U ziet 1 tot en met {PAGE_SIZE} van {many}." in html
    assert 'href="?pagina=2#toelichtingen"' in html


def test_it_shows_the_next_narratives_on_page_two(client, vera, many):
    client.force_login(vera)
    first = narratives(client.get(internal_url()).content.decode(), ".monitor-narratives")
    second_html = client.get(internal_url(pagina=2)).content.decode()
    second = narratives(second_html, ".monitor-narratives")
    assert len(second) == PAGE_SIZE and not set(first) & set(second)
    assert first + second == ORDER[: 2 * PAGE_SIZE]  # the report's order: indicator, organisation
    assert 'aria-current="page"' in second_html and 'rel="prev"' in second_html


def test_it_gives_the_last_page_for_a_number_too_high_and_the_first_for_nonsense(client, vera, many):
    client.force_login(vera)
    last = narratives(client.get(internal_url(pagina=999)).content.decode(), ".monitor-narratives")
    assert len(last) == many - PAGE_SIZE * ((many - 1) // PAGE_SIZE)
    assert narratives(client.get(internal_url(pagina="x")).content.decode(), ".monitor-narratives") == narratives(
        client.get(internal_url()).content.decode(), ".monitor-narratives"
    )


def test_it_finds_the_narratives_of_an_organisation(client, vera, many):
    client.force_login(vera)
    html = client.get(internal_url(organisatie="Paging 04")).content.decode()
    found = narratives(html, ".monitor-narratives")
    assert found == [f"Paging {i:03d}" for i in range(40, 50)]
    assert "10 toelichtingen van organisaties met ‘Paging 04’ in de naam." in html


def test_it_keeps_the_query_count_of_the_chapter_page_for_10_and_60_organisations(client, vera, demo):
    client.force_login(vera)
    counts = []
    for start, count in ((0, 10), (10, 50)):
        add_municipalities(start, count)
        client.get(internal_url())  # the session warmed up
        cache.clear()  # building the report counts, not reading it
        with CaptureQueriesContext(connection) as queries:
            assert client.get(internal_url(pagina=2)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_it_pages_the_public_chapter_and_keeps_every_narrative_in_the_whole_report(client, many):
    html = client.get(public_url()).content.decode()
    assert len(narratives(html, ".report-narratives")) == PAGE_SIZE
    assert f"{many} toelichtingen van de partners" in html
    second = narratives(client.get(public_url(pagina=2)).content.decode(), ".report-narratives")
    assert len(second) == PAGE_SIZE and second[0] not in narratives(html, ".report-narratives")
    whole = client.get(reverse("public_whole", args=[YEAR])).content.decode()
    assert len([n for n in narratives(whole, ".report-narratives") if n.startswith("Paging")]) == 60


def test_it_keeps_the_query_count_of_the_public_chapter_for_10_and_60_organisations(client, demo):
    counts = []
    for start, count in ((0, 10), (10, 50)):
        add_municipalities(start, count)
        cache.clear()
        forget_catalogues()  # nothing kept: the second round builds as much as the first
        with CaptureQueriesContext(connection) as queries:
            assert client.get(public_url(pagina=2)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_it_keeps_the_paged_chapter_from_outsiders_and_anonymous_visitors(client, charlie, many):
    assert client.get(internal_url(pagina=2)).status_code == 302  # to the login
    client.force_login(charlie)  # an outsider sees published editions only
    assert client.get(internal_url(pagina=2)).status_code == 200
    assert client.get(reverse("monitor_chapter", args=[2024, "gemeenten"]) + "?pagina=2").status_code == 404
    client.logout()
    assert client.get(reverse("public_chapter", args=[2024, "cijfers-gemeenten"]) + "?pagina=2").status_code == 404
