"""Issue 17: the edition overview a page at a time (50 rows), with a search, the filters and sort
kept across pages, counters over the whole edition and the CSV still whole."""

from __future__ import annotations

import csv
import datetime
import io
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.partners.models import Organisation, OrganisationKind
from apps.submissions import services
from apps.submissions.models import Edition, Submission, SubmissionEvent
from apps.submissions.overview import edition_overview
from apps.submissions.overview_tools import PAGE_SIZE

A = SubmissionEvent.Action


def _url(**query) -> str:
    return reverse("edition_overview", args=[2024]) + ("?" + urlencode(query) if query else "")


def _more_organisations(edition: Edition, n: int, prefix: str = "Extra gemeente") -> None:
    form = edition.forms.get(code="gemeente")
    for i in range(n):
        organisation = Organisation.objects.create(name=f"{prefix} {i:02d}", slug=f"extra-{prefix[:3].lower()}-{i:02d}", kind=OrganisationKind.GEMEENTE)
        Submission.objects.create(edition=edition, organisation=organisation, form=form)


@pytest.fixture
def staff(client, vera):
    client.force_login(vera)
    return client


@pytest.fixture
def big_edition(edition_2024):
    """The 28 submissions of the reference organisations and 30 more: two pages."""
    _more_organisations(edition_2024, 30)
    return edition_2024


def test_it_shows_fifty_rows_and_the_rest_on_the_next_page_without_overlap(staff, big_edition):
    first = staff.get(_url()).context["rows"]
    second = staff.get(_url(pagina=2)).context["rows"]

    total = Submission.objects.filter(edition=big_edition).count()
    assert len(first) == PAGE_SIZE and len(second) == total - PAGE_SIZE
    assert {r.pk for r in first} | {r.pk for r in second} == set(
        Submission.objects.filter(edition=big_edition).values_list("pk", flat=True)
    )
    assert not {r.pk for r in first} & {r.pk for r in second}


def test_it_shows_the_last_page_for_a_page_number_past_the_end(staff, big_edition):
    response = staff.get(_url(pagina=99))

    assert response.status_code == 200
    assert response.context["page"].number == 2


def test_it_keeps_the_filters_search_and_sort_in_the_page_links(staff, big_edition):
    html = staff.get(_url(q="gemeente", status="not_started", sort="organisatie")).content.decode()

    links = re.findall(r'href="\?([^"]*pagina=2)"', html)
    assert links, "a link to page 2"
    assert all("q=gemeente" in link and "status=not_started" in link and "sort=organisatie" in link for link in links)


def test_it_sorts_across_pages_not_within_one(staff, big_edition, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    names = [
        r.organisation.casefold()
        for page in (1, 2)
        for r in staff.get(_url(sort="organisatie", pagina=page)).context["rows"]
    ]
    assert names == sorted(names)
    by_status = [r.state for page in (1, 2) for r in staff.get(_url(sort="status", pagina=page)).context["rows"]]
    assert by_status[-1] == "submitted"  # after every not-started row, on the last page


def test_it_searches_the_overview_by_part_of_the_organisation_name(staff, edition_2024):
    rows = staff.get(_url(q="DORDR")).context["rows"]

    assert {r.slug for r in rows} == {"gemeente-dordrecht"}


def test_it_says_when_the_search_finds_nothing(staff, edition_2024):
    html = staff.get(_url(q="bestaat-niet")).content.decode()

    assert 'data-testid="overview-none"' in html


def test_it_counts_the_whole_edition_while_showing_one_page(staff, big_edition, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)

    response = staff.get(_url(status="submitted"))

    assert len(response.context["rows"]) == 1
    counts = response.context["counts"]
    assert counts["expected"] == Submission.objects.filter(edition=big_edition).count() == 58
    assert (counts["open"], counts["submitted"]) == (57, 1)


def test_it_counts_late_submissions_as_their_rows_show_them(edition_2024, alice, charlie, submission_a, org_b):
    dordrecht = Submission.objects.get(edition=edition_2024, organisation=org_b, form__code="gemeente")
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    services.transition(submission_id=dordrecht.pk, action=A.SUBMIT, user=charlie)
    today = timezone.localdate()
    # Rotterdam came in the day after the deadline, Dordrecht on the day; the rest is missing and late.
    Edition.objects.filter(pk=edition_2024.pk).update(deadline=today - datetime.timedelta(days=3))
    late_evening = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=3), datetime.time(23, 59)))
    Submission.objects.filter(pk=dordrecht.pk).update(submitted_at=late_evening)
    Submission.objects.filter(pk=submission_a.pk).update(submitted_at=late_evening + datetime.timedelta(minutes=2))
    edition_2024.refresh_from_db()

    rows, counts = edition_overview(edition=edition_2024)

    assert counts["late"] == sum(1 for r in rows if r.late) == len(rows) - 1
    assert not next(r for r in rows if r.pk == dordrecht.pk).late


def test_it_reads_a_page_in_as_many_queries_for_80_organisations_as_for_28(staff, edition_2024):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(_url(sort="status", q="e")).status_code == 200
        return len(captured)

    before = count()
    _more_organisations(edition_2024, 52)
    assert count() == before


def test_it_sends_the_reminder_back_to_the_same_page(staff, big_edition, org_a):
    back = urlencode({"status": "not_started", "sort": "organisatie", "pagina": 2})
    html = staff.get(_url(status="not_started", sort="organisatie", pagina=2)).content.decode()
    assert f'name="back" value="{back.replace("&", "&amp;")}"' in html

    response = staff.post(reverse("edition_send_reminder", args=[2024]), {"organisation": org_a.slug, "back": back})

    assert response["Location"] == _url(status="not_started", sort="organisatie", pagina=2)


def test_it_exports_every_row_not_one_page(staff, big_edition):
    response = staff.get(_url(export="csv", pagina=2))

    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert len(rows) - 1 == Submission.objects.filter(edition=big_edition).count() == 58


def test_it_links_the_export_to_the_filters_but_not_to_the_page(staff, big_edition):
    html = staff.get(_url(status="not_started", pagina=2)).content.decode()

    link = re.search(r'href="\?([^"]*)" data-testid="overview-csv"', html).group(1)
    assert "status=not_started" in link and "export=csv" in link and "pagina" not in link


def test_it_hides_every_page_and_the_search_from_partners(client, alice, charlie, big_edition):
    for user in (alice, charlie):
        client.force_login(user)
        assert client.get(_url(pagina=2)).status_code == 404
        assert client.get(_url(q="rotterdam", export="csv")).status_code == 404
