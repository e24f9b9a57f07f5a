"""The bounded history: the newest entries on the form and review pages, the rest page by page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.submissions import services
from apps.submissions.models import Indicator, Submission
from apps.submissions.review import TIMELINE_CELLS, TIMELINE_SIZE
from apps.submissions.selectors import load_form_context


def _count_cells(submission: Submission) -> list[tuple[str, str, str]]:
    grids = load_form_context(submission).grids.values()
    return [(g.indicator.code, *key) for g in grids if g.indicator.kind == Indicator.Kind.COUNT for key in g.keys()]


def _saves(submission: Submission, user, times: int, *, width: int = 2, start: int = 1) -> None:
    """`times` saves, each changing `width` cells to a new number."""
    cells = _count_cells(submission)
    for i in range(start, start + times):
        current = Submission.objects.get(pk=submission.pk)
        chosen = {cells[(i + j) % len(cells)]: services.CellInput(number=i * 10 + j) for j in range(width)}
        services.save_values(
            submission_id=current.pk, user=user, cells=chosen, explanations={}, base_version=current.version
        )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["submission_form", "submission_history", "review_submission"])
def test_it_reads_the_history_in_as_many_queries_for_3_saves_as_for_60(client, alice, vera, submission_a, page):
    client.force_login(vera if page == "review_submission" else alice)
    url = reverse(page, args=[submission_a.pk])
    _saves(submission_a, alice, 3)
    client.get(url)  # warm the per-process caches (sessions, roles)
    few = _queries(client, url)
    _saves(submission_a, alice, 57, start=4)
    assert _queries(client, url) == few


def test_it_shows_only_the_newest_entries_on_the_form_page_with_a_link_to_the_rest(client, alice, submission_a):
    _saves(submission_a, alice, TIMELINE_SIZE + 5)
    client.force_login(alice)
    html = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    timeline = html.split('data-testid="timeline"')[1]
    assert timeline.count('data-testid="history-save"') == TIMELINE_SIZE
    assert "(versie 2)" not in timeline  # the oldest save is on the history page
    assert reverse("submission_history", args=[submission_a.pk]) in timeline and "Hele geschiedenis" in timeline


def test_it_pages_back_to_older_entries_on_the_history_page(client, alice, submission_a):
    _saves(submission_a, alice, 25)  # versions 2..26; a page holds 20
    client.force_login(alice)
    url = reverse("submission_history", args=[submission_a.pk])
    first = client.get(url).content.decode()
    assert "(versie 26)" in first and "(versie 2)" not in first
    older = re.search(r'href="(\?voor=[^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(url + older).content.decode()
    assert "(versie 2)" in second and "(versie 26)" not in second
    assert 'rel="next"' not in second  # the last page


def test_it_lists_old_and_new_value_of_each_cell_in_an_expanded_save(client, alice, submission_a):
    cell = ("gem_bestuurlijke_controles", "bouwplaatsen", "")
    for number in (12, 15):
        current = Submission.objects.get(pk=submission_a.pk)
        services.save_values(
            submission_id=current.pk, user=alice, cells={cell: services.CellInput(number=number)}, explanations={},
            base_version=current.version,
        )
    client.force_login(alice)
    html = client.get(reverse("submission_history", args=[submission_a.pk])).content.decode()
    saves = html.split('data-testid="history-save"')[1:]
    assert "Controles op bouwplaatsen: 12 → 15" in saves[0] and "1 cel" in saves[0]
    assert "Controles op bouwplaatsen: leeg → 12" in saves[1]


def test_it_caps_the_cells_of_a_save_and_links_to_the_whole_save(client, politie_coordinator, police_2024):
    width = TIMELINE_CELLS + 3  # the police form has many more cells than that
    _saves(police_2024, politie_coordinator, 1, width=width)
    client.force_login(politie_coordinator)
    html = client.get(reverse("submission_form", args=[police_2024.pk])).content.decode()
    save = html.split('data-testid="history-save"')[1].split("</details>")[0]
    assert save.count("<li>") == TIMELINE_CELLS and "en nog 3 cellen" in save
    whole = client.get(reverse("submission_history", args=[police_2024.pk]) + "?versie=2").content.decode()
    assert whole.split('data-testid="history-save"')[1].split("</details>")[0].count("<li>") == width


def test_it_answers_an_unknown_save_with_404(client, alice, submission_a):
    client.force_login(alice)
    assert client.get(reverse("submission_history", args=[submission_a.pk]) + "?versie=99").status_code == 404


def test_it_ignores_a_malformed_cursor(client, alice, submission_a):
    _saves(submission_a, alice, 1)
    client.force_login(alice)
    html = client.get(reverse("submission_history", args=[submission_a.pk]) + "?voor=gisteren").content.decode()
    assert "(versie 2)" in html


@pytest.mark.parametrize("who", ["charlie", "bob"])
def test_it_hides_the_history_page_from_who_may_not_see_the_timeline(client, request, who, alice, submission_a):
    _saves(submission_a, alice, 1)
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("submission_history", args=[submission_a.pk])).status_code == 404


def test_it_shows_the_history_to_var_staff(client, vera, alice, submission_a):
    _saves(submission_a, alice, 1)
    client.force_login(vera)
    html = client.get(reverse("submission_history", args=[submission_a.pk])).content.decode()
    assert "(versie 2)" in html and reverse("review_submission", args=[submission_a.pk]) in html


def test_it_finds_the_changes_since_a_return_in_as_many_queries_for_3_saves_as_for_60(alice, vera, submission_a):
    from apps.submissions.changes import changes_since_last_return

    grids = load_form_context(submission_a).grids
    _saves(submission_a, alice, 3)
    services.transition(submission_id=submission_a.pk, action=services.Action.SUBMIT, user=alice)
    services.transition(submission_id=submission_a.pk, action="return", user=vera, comment="Graag aanvullen.")
    _saves(submission_a, alice, 1, start=90)
    with CaptureQueriesContext(connection) as few:
        small = changes_since_last_return(submission_a, grids)
    _saves(submission_a, alice, 57, start=100)
    with CaptureQueriesContext(connection) as many:
        large = changes_since_last_return(submission_a, grids)
    assert len(few) == len(many)
    assert small.changes and large.changes
