"""Chart images are rendered once per report (cached under its fingerprint) and revalidated by ETag."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.monitor import charts, public_views, views
from apps.submissions import services as submission_services
from apps.submissions.models import Submission, SubmissionEvent

CHART = ("politie", "pol_aangiftes")


def chart_url(year: int = 2023) -> str:
    return reverse("monitor_chart", args=[year, *CHART])


def public_chart_url(year: int = 2023) -> str:
    return reverse("public_chart", args=[year, *CHART])


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The charts actually rendered with pygal (not read from the cache), internal and public."""
    calls: list[str] = []
    real = charts.render_chart

    def counting(table, *args, **kwargs):
        calls.append(table.code)
        return real(table, *args, **kwargs)

    monkeypatch.setattr(views, "render_chart", counting)
    monkeypatch.setattr(public_views.charts, "render_chart", counting)
    return calls


def approve_a_police_submission(year: int, vera) -> None:
    """A real approval through the service (submitted first), as the VAR does it."""
    from apps.partners.models import Role
    from tests.conftest import _member

    draft = Submission.objects.filter(edition__year=year, form__code="politie").exclude(
        status=Submission.Status.APPROVED
    ).first()
    coordinator = _member("chart@politie.invalid", draft.organisation, Role.COORDINATOR)
    submission_services.transition(submission_id=draft.pk, action=SubmissionEvent.Action.SUBMIT, user=coordinator)
    submission_services.transition(submission_id=draft.pk, action=SubmissionEvent.Action.APPROVE, user=vera)


def test_it_answers_not_modified_to_the_charts_etag(client, vera, demo):
    client.force_login(vera)
    first = client.get(chart_url(2024))
    assert first.status_code == 200 and first["ETag"]
    again = client.get(chart_url(2024), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]


def test_it_marks_internal_charts_private(client, vera, demo):
    client.force_login(vera)
    first = client.get(chart_url(2024))
    assert "private" in first["Cache-Control"] and "max-age=300" in first["Cache-Control"]
    assert "private" in client.get(chart_url(2024), HTTP_IF_NONE_MATCH=first["ETag"])["Cache-Control"]


def test_it_renders_a_chart_once_per_report(client, vera, demo, renders):
    client.force_login(vera)
    assert client.get(chart_url(2024)).status_code == 200
    assert client.get(chart_url(2024)).status_code == 200  # no ETag sent: read from the cache
    assert renders == ["pol_aangiftes"]
    cache.clear()
    assert client.get(chart_url(2024)).status_code == 200
    assert renders == ["pol_aangiftes", "pol_aangiftes"]


def test_it_gives_a_new_etag_and_chart_after_an_approval(client, vera, demo, renders):
    client.force_login(vera)
    before = client.get(chart_url(2024))["ETag"]
    approve_a_police_submission(2024, vera)
    after = client.get(chart_url(2024), HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200 and after["ETag"] != before
    assert renders == ["pol_aangiftes", "pol_aangiftes"]


def test_it_gives_staff_and_partners_different_etags(client, vera, alice, demo):
    client.force_login(vera)
    staff = client.get(chart_url())["ETag"]
    client.force_login(alice)
    partner = client.get(chart_url(), HTTP_IF_NONE_MATCH=staff)
    assert partner.status_code == 200 and partner["ETag"] != staff  # other figures (protected)


def test_it_keeps_charts_of_an_open_edition_from_partners_even_with_an_etag(client, vera, charlie, demo):
    client.force_login(vera)
    etag = client.get(chart_url(2024))["ETag"]
    client.force_login(charlie)
    assert client.get(chart_url(2024), HTTP_IF_NONE_MATCH=etag).status_code == 404
    assert client.get(chart_url(2024)).status_code == 404
    client.logout()
    response = client.get(chart_url(2024), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_gives_404_for_a_table_without_a_chart_also_when_cached(client, vera, demo, renders):
    client.force_login(vera)
    url = reverse("monitor_chart", args=[2023, "politie", "bestaat-niet"])
    assert client.get(url).status_code == 404
    assert client.get(url).status_code == 404


def test_it_renders_a_public_chart_once_and_revalidates_it(client, demo, renders):
    first = client.get(public_chart_url())
    assert first.status_code == 200 and first["Content-Type"] == "image/svg+xml"
    assert "public" in first["Cache-Control"]
    assert client.get(public_chart_url()).status_code == 200
    assert client.get(public_chart_url(), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert renders == ["pol_aangiftes"]


def test_it_gives_a_new_public_etag_when_the_published_figures_change(client, demo):
    before = client.get(public_chart_url())["ETag"]
    # approvals reopened (even written outside the services): other published figures
    Submission.objects.filter(edition__year=2023, form__code="politie").update(status=Submission.Status.SUBMITTED)
    assert client.get(public_chart_url(), HTTP_IF_NONE_MATCH=before)["ETag"] != before


def test_it_gives_404_for_the_public_chart_of_an_unpublished_edition(client, vera, demo):
    client.force_login(vera)
    assert client.get(chart_url(2024)).status_code == 200
    client.logout()
    assert client.get(public_chart_url(2024)).status_code == 404


@pytest.fixture
def page_renders(monkeypatch) -> list[str]:
    """The public pages actually rendered (not read from the cache)."""
    calls: list[str] = []
    real = public_views.render

    def counting(request, template, *args, **kwargs):
        calls.append(template)
        return real(request, template, *args, **kwargs)

    monkeypatch.setattr(public_views, "render", counting)
    return calls


def test_it_renders_a_public_page_once_until_a_text_changes(client, demo, page_renders):
    from apps.monitor.models import EditorialChapter

    url = reverse("public_whole", args=[2023])
    first = client.get(url)
    second = client.get(url)
    assert second.content == first.content and "public" in second["Cache-Control"]
    assert page_renders == ["public/whole.html"]
    EditorialChapter.objects.get(edition__year=2023, slug="conclusie").save()
    assert client.get(url).status_code == 200
    assert page_renders == ["public/whole.html", "public/whole.html"]


def test_it_renders_every_search_of_the_public_chapter(client, demo, page_renders):
    url = reverse("public_chapter", args=[2023, "cijfers-gemeenten"]) + "?organisatie=Rotterdam"
    client.get(url)
    client.get(url)
    assert page_renders == ["public/chapter.html", "public/chapter.html"]
