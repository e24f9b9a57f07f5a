"""Issue 17: the correction page's boxes grouped by form, in fewer bytes, with a filter; any final
submission can still be chosen."""

from __future__ import annotations

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.partners.models import Organisation, OrganisationKind
from apps.submissions.models import Submission
from tests.submissions.test_corrections import published  # noqa: F401  (the published 2024 edition)

URL = reverse("edition_correction", args=[2024])


@pytest.fixture
def staff(client, vera):
    client.force_login(vera)
    return client


def _labels(html: bytes) -> dict[str, list[str]]:
    """The box labels per group legend."""
    page = lxml.html.fromstring(html)
    return {
        group.xpath("./legend")[0].text_content().strip(): [label.text_content().strip() for label in group.xpath(".//label")]
        for group in page.xpath('//div[@class="correction-choices"]/fieldset')
    }


def test_it_groups_the_boxes_by_form_and_names_the_state_only_when_not_approved(staff, published):
    rotterdam, dordrecht = published

    groups = _labels(staff.get(URL).content)

    gemeente = next(labels for legend, labels in groups.items() if legend.startswith(rotterdam.form.title))
    assert rotterdam.organisation.short_name in gemeente and dordrecht.organisation.short_name in gemeente
    assert any(label.endswith("(niet van toepassing dit jaar)") for label in gemeente)
    total = sum(len(labels) for labels in groups.values())
    assert total == Submission.objects.filter(edition__year=2024).count()  # every submission is final here
    assert f"{rotterdam.form.title} ({len(gemeente)})" in groups


def test_it_escapes_the_organisation_names_in_the_boxes(staff, published):
    rotterdam, __ = published
    Organisation.objects.filter(pk=rotterdam.organisation_id).update(short_name="<b>Rotterdam</b>")

    html = staff.get(URL).content.decode()

    assert "&lt;b&gt;Rotterdam&lt;/b&gt;" in html and "<b>Rotterdam</b>" not in html


def test_it_opens_the_correction_for_a_submission_of_any_group(staff, published):
    police = Submission.objects.get(edition__year=2024, organisation__slug="politie-tmm")

    response = staff.post(URL, {"reason": "Een gesprek te weinig", "submissions": [police.pk]})

    assert response.status_code == 302
    assert Submission.objects.get(pk=police.pk).under_correction


def test_it_refuses_a_submission_it_did_not_offer(staff, published, edition_2025_draft):
    response = staff.post(URL, {"reason": "Dubbel geteld", "submissions": [edition_2025_draft.pk]})

    assert response.status_code == 200
    assert response.context["form"].errors["submissions"]
    assert not Submission.objects.filter(under_correction=True).exists()


def test_it_points_the_filter_at_the_boxes(staff, published):
    page = lxml.html.fromstring(staff.get(URL).content)

    (search,) = page.xpath('//input[@data-filters]')
    (target,) = page.xpath(f'//*[@id="{search.get("data-filters")}"]')
    assert target.xpath('.//input[@name="submissions"]')
    assert search.xpath('ancestor::*[@hidden]'), "hidden until app.js shows it: useless without JavaScript"


def test_it_reads_the_page_in_as_many_queries_for_more_organisations(staff, published):
    rotterdam, __ = published

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(URL).status_code == 200
        return len(captured)

    before = count()
    for i in range(20):
        organisation = Organisation.objects.create(name=f"Extra {i}", slug=f"extra-{i}", kind=OrganisationKind.GEMEENTE)
        Submission.objects.create(edition=rotterdam.edition, organisation=organisation, form=rotterdam.form, status="approved")
    assert count() == before


def test_it_hides_the_correction_page_from_partners(client, published, alice, charlie):
    for user in (alice, charlie):
        client.force_login(user)
        assert client.get(URL).status_code == 404


@pytest.fixture
def edition_2025_draft(published, vera):
    """A submission of another edition: never one of 2024's choices."""
    from apps.submissions import services

    edition = services.create_edition(year=2025, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    return Submission.objects.filter(edition=edition).first()
