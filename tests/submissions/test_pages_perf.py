"""The pages users visit cost a fixed number of queries, whatever the number of organisations (issue 17).

Speed itself belongs in `make bench`; here the query counts are compared at two sizes, and the
staff list of organisations pages and searches.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.partners.directory import PAGE_SIZE
from apps.partners.models import Membership, Organisation, OrganisationKind, Role, User
from apps.submissions.forms import SubmissionForm, field_name
from apps.submissions.models import Submission
from apps.submissions.selectors import load_form_context


def _add_organisations(count: int, *, start: int = 0, kind: str = OrganisationKind.ZORG) -> None:
    Organisation.objects.bulk_create(
        [
            Organisation(name=f"Extra organisatie {i:04d}", slug=f"extra-{i:04d}", kind=kind)
            for i in range(start, start + count)
        ]
    )


def _add_pending_invitations(count: int, *, start: int = 0) -> None:
    organisation = Organisation.objects.get(slug="gemeente-dordrecht")
    for i in range(start, start + count):
        user = User.objects.create_user(email=f"uitgenodigd{i}@example.invalid", password=None)
        Membership.objects.create(user=user, organisation=organisation, role=Role.CONTRIBUTOR)


def _queries(client, url: str) -> int:
    client.get(url)  # the session and the caches warmed up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# -- the staff's list of organisations ------------------------------------------------------------


def test_it_lists_organisations_with_the_same_queries_for_3_and_40_more(client, vera):
    client.force_login(vera)
    url = reverse("staff_dashboard")
    _add_organisations(3)
    few = _queries(client, url)
    _add_organisations(37, start=3)
    assert _queries(client, url) == few


def test_it_shows_the_organisations_a_page_at_a_time(client, vera):
    _add_organisations(PAGE_SIZE + 10)
    client.force_login(vera)
    first = client.get(reverse("staff_dashboard"))
    assert len(first.context["organisations"]) == PAGE_SIZE
    second = client.get(reverse("staff_dashboard"), {"pagina": "2"})
    total = Organisation.objects.count()
    assert len(second.context["organisations"]) == total - PAGE_SIZE
    assert not set(o.pk for o in first.context["organisations"]) & set(o.pk for o in second.context["organisations"])
    assert 'href="?pagina=2"' in first.content.decode()


def test_it_shows_the_last_page_for_a_page_number_past_the_end(client, vera):
    client.force_login(vera)
    response = client.get(reverse("staff_dashboard"), {"pagina": "999"})
    assert response.status_code == 200
    assert response.context["page"].number == response.context["page"].paginator.num_pages


def test_it_finds_an_organisation_by_name(client, vera, org_a):
    _add_organisations(PAGE_SIZE + 10)
    client.force_login(vera)
    response = client.get(reverse("staff_dashboard"), {"q": "rotterdam"})
    assert org_a in response.context["organisations"]
    assert all("rotterdam" in (o.name + o.slug).lower() for o in response.context["organisations"])


def test_it_says_so_when_nothing_matches(client, vera):
    client.force_login(vera)
    response = client.get(reverse("staff_dashboard"), {"q": "bestaat-niet-xyz"})
    assert list(response.context["organisations"]) == []
    assert 'data-testid="organisation-none"' in response.content.decode()


def test_it_keeps_the_search_and_filter_in_the_page_links(client, vera):
    _add_organisations(PAGE_SIZE + 5, kind=OrganisationKind.ZORG)
    client.force_login(vera)
    response = client.get(reverse("staff_dashboard"), {"q": "extra", "kind": "zorg"})
    assert all(o.kind == OrganisationKind.ZORG for o in response.context["organisations"])
    assert 'href="?q=extra&amp;kind=zorg&amp;pagina=2"' in response.content.decode()


def test_it_hides_the_list_of_organisations_from_an_outsider(client, charlie):
    client.force_login(charlie)
    assert client.get(reverse("staff_dashboard"), {"q": "rotterdam", "pagina": "2"}).status_code == 404


# -- pending invitations ----------------------------------------------------------------------------


def test_it_lists_pending_invitations_with_the_same_queries_for_3_and_60(client, vera):
    client.force_login(vera)
    url = reverse("pending_invitations")
    _add_pending_invitations(3)
    few = _queries(client, url)
    _add_pending_invitations(57, start=3)
    assert _queries(client, url) == few


def test_it_shows_pending_invitations_a_page_at_a_time(client, vera):
    _add_pending_invitations(55)
    client.force_login(vera)
    first = client.get(reverse("pending_invitations"))
    second = client.get(reverse("pending_invitations"), {"pagina": "2"})
    assert len(first.context["pending"]) == 50
    assert len(second.context["pending"]) == 5
    assert "uitgenodigd54@example.invalid" in second.content.decode()


def test_it_hides_pending_invitations_from_an_outsider(client, charlie):
    client.force_login(charlie)
    assert client.get(reverse("pending_invitations"), {"pagina": "2"}).status_code == 404


# -- the start pages ----------------------------------------------------------------------------------


def test_it_builds_the_staff_work_queue_with_the_same_queries_for_3_and_40_more_organisations(
    client, vera, edition_2024
):
    client.force_login(vera)
    url = reverse("staff_home")
    Submission.objects.filter(edition=edition_2024).update(status=Submission.Status.SUBMITTED)
    few = _queries(client, url)
    _add_organisations(40)
    form = Submission.objects.filter(edition=edition_2024).first().form
    Submission.objects.bulk_create(
        [
            Submission(edition=edition_2024, organisation=o, form=form, status=Submission.Status.SUBMITTED)
            for o in Organisation.objects.filter(slug__startswith="extra-")
        ]
    )
    assert _queries(client, url) == few


def test_it_shows_the_form_page_with_the_same_queries_for_3_and_40_more_organisations(
    client, politie_coordinator, police_2024
):
    client.force_login(politie_coordinator)
    url = reverse("submission_form", args=[police_2024.pk])
    _add_organisations(3)
    few = _queries(client, url)
    _add_organisations(37, start=3)
    assert _queries(client, url) == few


# -- the form page's hand-written inputs ----------------------------------------------------------


def _count_cells(submission) -> list[str]:
    form = SubmissionForm(context=load_form_context(submission))
    return [name for name, f in form.fields.items() if name.startswith("v-") and f.__class__.__name__ == "CountField"]


def test_it_writes_each_count_input_with_its_label_and_sum(client, politie_coordinator, police_2024):
    client.force_login(politie_coordinator)
    body = client.get(reverse("submission_form", args=[police_2024.pk])).content.decode()
    context = load_form_context(police_2024)
    grid = next(g for g in context.grids.values() if g.totals and g.has_cols)
    total_key, parts = grid.totals[0]
    total = field_name("v", (grid.indicator.code, *total_key))
    sums = " ".join(f"id_{field_name('v', (grid.indicator.code, *p))}" for p in parts)
    assert f'name="{total}"' in body
    assert f'data-sum-of="{sums}" id="id_{total}"' in body
    assert f'aria-label="{grid.label_of(total_key)}"' in body
    assert f'for="id_{field_name("c", (grid.indicator.code, *total_key))}"' in body


def test_it_keeps_the_dutch_error_beside_the_field_after_a_bad_save(client, politie_coordinator, police_2024):
    client.force_login(politie_coordinator)
    form = SubmissionForm(context=load_form_context(police_2024))
    data = {name: "" if f.initial is None else str(f.initial) for name, f in form.fields.items()}
    name = _count_cells(police_2024)[0]
    data[name] = "-3"
    response = client.post(reverse("submission_form", args=[police_2024.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'aria-invalid="true" aria-describedby="id_{name}-error"' in body
    assert 'value="-3" class="form-control form-control-sm is-invalid"' in body
    assert f'id="id_{name}-error">Een aantal kan niet negatief zijn. Vul 0 of meer in.</div>' in body


def test_it_disables_the_inputs_for_a_reader(client, vic, submission_a):
    client.force_login(vic)
    body = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    name = _count_cells(submission_a)[0]
    assert f' disabled id="id_{name}">' in body


def test_it_escapes_a_stored_comment_in_its_input(client, alice, submission_a):
    from apps.submissions.models import Indicator, Value

    client.force_login(alice)
    name = _count_cells(submission_a)[0]
    __, code, row, col = name.split("-")
    Value.objects.create(
        submission=submission_a, indicator=Indicator.objects.get(edition=submission_a.edition, code=code),
        row=row, col=col, number=1, comment='"><script>x</script>',
    )
    body = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    assert "<script>x</script>" not in body
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in body


def test_it_hides_the_form_page_from_an_outsider(client, charlie, submission_a):
    client.force_login(charlie)
    assert client.get(reverse("submission_form", args=[submission_a.pk])).status_code == 404


# -- the submit page --------------------------------------------------------------------------------


def test_it_loads_the_form_context_once_on_the_submit_page(client, alice, submission_a, form_context_loads):
    client.force_login(alice)
    assert client.get(reverse("submission_submit", args=[submission_a.pk])).status_code == 200
    assert form_context_loads == [submission_a.pk]


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_hides_the_submit_page_from_an_outsider(client, charlie, submission_a, method):
    client.force_login(charlie)
    assert getattr(client, method)(reverse("submission_submit", args=[submission_a.pk])).status_code == 404
