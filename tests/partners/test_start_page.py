"""The partner's start page: "Bekijken" for readers, "Niet aangeleverd" for past editions never delivered."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.submissions import services
from apps.submissions.models import Edition, Submission


@pytest.fixture
def editions(db):
    past = services.create_edition(year=2022, created_by=None)
    services.open_edition(edition=past, opened_by=None)
    Edition.objects.filter(pk=past.pk).update(status=Edition.Status.PUBLISHED)
    current = services.create_edition(year=2024, created_by=None)
    services.open_edition(edition=current, opened_by=None)
    return past, current


def _html(client, user, org):
    client.force_login(user)
    return client.get(reverse("organisation_detail", kwargs={"slug": org.slug})).content.decode()


def test_it_offers_a_viewer_bekijken_not_invullen(client, vic, org_a, editions):
    html = _html(client, vic, org_a)
    assert "Invullen" not in html and "Bekijken" in html


def test_it_offers_the_coordinator_invullen_for_an_open_draft(client, alice, org_a, editions):
    assert "Invullen" in _html(client, alice, org_a)


def test_it_says_niet_aangeleverd_for_a_published_edition_never_delivered(client, alice, org_a, editions):
    html = _html(client, alice, org_a)
    assert 'data-testid="not-delivered"' in html
    past, __ = editions
    Submission.objects.filter(edition=past, organisation=org_a).update(status=Submission.Status.APPROVED)
    assert 'data-testid="not-delivered"' not in _html(client, alice, org_a)


def test_it_hides_the_start_page_of_another_organisation(client, charlie, org_a, editions):
    client.force_login(charlie)
    assert client.get(reverse("organisation_detail", kwargs={"slug": org_a.slug})).status_code == 404
