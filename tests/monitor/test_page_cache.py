"""The monitor's logged-in pages keep their document part under the report's fingerprint.

The frame (navigation, the user's name, CSRF tokens, the downloads a user may have) is rendered on
every request; the document (tables, narratives, the whole report) only when its figures, texts or
reader change. The access check runs before anything cached is read.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.monitor import editorial_views, public_views, views
from apps.partners.models import Role
from apps.submissions import services as submission_services
from apps.submissions.models import Submission, SubmissionEvent
from tests.conftest import _member, _with_totp

NEW_FIGURE = 4321  # shown as "4.321": no figure of the demo has it


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The documents actually rendered (not read from the cache): the chapter's and the whole report's."""
    calls: list[str] = []

    def counting(real):
        def render_to_string(template, *args, **kwargs):
            calls.append(template)
            return real(template, *args, **kwargs)

        return render_to_string

    monkeypatch.setattr(views, "render_to_string", counting(views.render_to_string))
    monkeypatch.setattr(editorial_views, "render_to_string", counting(editorial_views.render_to_string))
    return calls


@pytest.fixture
def olga(var_org):
    """A second VAR reviewer."""
    return _with_totp(_member("olga@var.invalid", var_org, Role.REVIEWER))


def report_url(year: int = 2024) -> str:
    return reverse("report_internal", args=[year])


def chapter_url(year: int = 2024, chapter: str = "politie") -> str:
    return reverse("monitor_chapter", args=[year, chapter])


def approve_a_new_police_figure(vera) -> None:
    """A partner saves a new figure and submits, the VAR approves: every step through the services."""
    draft = Submission.objects.get(edition__year=2024, organisation__slug="politie-tmm")
    coordinator = _member("tmm@politie.invalid", draft.organisation, Role.COORDINATOR)
    submission_services.save_values(
        submission_id=draft.pk,
        user=coordinator,
        cells={("pol_aangiftes", "seksueel", "_total"): submission_services.CellInput(number=NEW_FIGURE)},
        # a strong change from last year's 19: explained, as submitting asks
        explanations={"yoy:pol_aangiftes:seksueel:_total": "Grote actie dit jaar."},
        base_version=draft.version,
    )
    submission_services.transition(submission_id=draft.pk, action=SubmissionEvent.Action.SUBMIT, user=coordinator)
    submission_services.transition(submission_id=draft.pk, action=SubmissionEvent.Action.APPROVE, user=vera)


# -- the whole internal report -------------------------------------------------------------------------


def test_it_renders_the_internal_report_once_while_nothing_changes(client, vera, demo, renders):
    client.force_login(vera)
    first = client.get(report_url())
    second = client.get(report_url())
    assert first.status_code == second.status_code == 200
    assert renders == ["monitor/report_document.html"]
    assert 'class="report report-internal"' in second.content.decode()


def test_it_shows_a_newly_approved_figure_in_the_cached_internal_report(client, vera, demo):
    client.force_login(vera)
    before = client.get(report_url())
    assert "4.321" not in before.content.decode()
    approve_a_new_police_figure(vera)
    after = client.get(report_url(), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert "4.321" in after.content.decode()


def test_it_renders_the_internal_report_again_when_a_text_changes(client, vera, demo, renders):
    from apps.monitor.models import EditorialChapter

    client.force_login(vera)
    client.get(report_url(2023))
    EditorialChapter.objects.filter(edition__year=2023).first().save()
    client.get(report_url(2023))
    assert renders == ["monitor/report_document.html", "monitor/report_document.html"]


def test_it_answers_not_modified_to_the_internal_reports_etag(client, vera, demo):
    client.force_login(vera)
    first = client.get(report_url())
    again = client.get(report_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert "private" in again["Cache-Control"] and "no-cache" in again["Cache-Control"]


def test_it_gives_404_to_a_partner_with_the_staff_etag(client, vera, alice, demo):
    client.force_login(vera)
    etag = client.get(report_url(2023))["ETag"]
    client.force_login(alice)
    assert client.get(report_url(2023), HTTP_IF_NONE_MATCH=etag).status_code == 404
    assert client.get(report_url(2023)).status_code == 404


def test_it_answers_another_staff_member_with_their_own_frame(client, vera, olga, demo, renders):
    client.force_login(vera)
    etag = client.get(report_url())["ETag"]
    client.force_login(olga)
    response = client.get(report_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag  # not vera's copy of the page
    html = response.content.decode()
    assert olga.get_full_name() in html and vera.get_full_name() not in html
    assert renders == ["monitor/report_document.html"]  # the document itself is shared


def test_it_gives_a_new_etag_after_logging_in_again(client, vera, demo):
    # A new login rotates the CSRF secret: the browser's copy has forms with the old token.
    client.force_login(vera)
    etag = client.get(report_url())["ETag"]
    client.logout()
    client.force_login(vera)
    assert client.get(report_url(), HTTP_IF_NONE_MATCH=etag).status_code == 200


# -- a chapter -------------------------------------------------------------------------------------


def test_it_renders_a_chapters_document_once_per_report(client, vera, demo, renders):
    client.force_login(vera)
    assert client.get(chapter_url()).status_code == 200
    assert client.get(chapter_url()).status_code == 200
    assert renders == ["monitor/_chapter_document.html"]


def test_it_shows_a_newly_approved_figure_on_the_cached_chapter(client, vera, demo):
    client.force_login(vera)
    assert "4.321" not in client.get(chapter_url()).content.decode()
    approve_a_new_police_figure(vera)
    assert "4.321" in client.get(chapter_url()).content.decode()


def test_it_keeps_staffs_and_partners_chapter_documents_apart(client, vera, alice, demo, renders):
    client.force_login(vera)
    staff = client.get(chapter_url(2023)).content.decode()
    client.force_login(alice)
    partner = client.get(chapter_url(2023)).content.decode()
    assert renders == ["monitor/_chapter_document.html", "monitor/_chapter_document.html"]
    assert "de afgeschermde" not in staff and "Afgeschermd, zodat" in partner  # the protected figures' legend


def test_it_gives_404_to_an_outsider_for_a_cached_chapter_of_an_open_edition(client, vera, charlie, demo):
    client.force_login(vera)
    assert client.get(chapter_url(2024)).status_code == 200
    client.force_login(charlie)
    assert client.get(chapter_url(2024)).status_code == 404


def test_it_renders_the_frame_of_each_user_around_a_cached_chapter(client, vera, olga, demo, renders):
    client.force_login(vera)
    client.get(chapter_url())
    client.force_login(olga)
    html = client.get(chapter_url()).content.decode()
    assert olga.get_full_name() in html and vera.get_full_name() not in html
    assert 'data-export="internal"' in html  # the downloads this user may have
    assert renders == ["monitor/_chapter_document.html"]


def test_it_keeps_each_page_of_narratives_and_renders_every_search(client, vera, demo, renders):
    client.force_login(vera)
    for url in (chapter_url(2023, "gemeenten"), chapter_url(2023, "gemeenten") + "?pagina=1"):
        client.get(url)
    searched = chapter_url(2023, "gemeenten") + "?organisatie=Rotterdam"
    client.get(searched)
    client.get(searched)
    assert renders == ["monitor/_chapter_document.html"] * 3  # page 1 once, then each search


def test_it_keeps_no_page_number_that_does_not_exist(client, vera, demo, renders):
    client.force_login(vera)
    url = chapter_url(2023, "gemeenten") + "?pagina=999"  # shown as the last page
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert renders == ["monitor/_chapter_document.html"] * 2


# -- the public open data index ------------------------------------------------------------------------


@pytest.fixture
def index_builds(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = public_views._cells

    def counting(document, table):
        calls.append(1)
        return real(document, table)

    monkeypatch.setattr(public_views, "_cells", counting)
    return calls


def test_it_builds_the_open_data_index_once_until_a_text_changes(client, demo, index_builds):
    from apps.monitor.models import EditorialChapter

    url = reverse("public_open_data_index", args=[2023])
    first = client.get(url)
    built = len(index_builds)
    second = client.get(url)
    assert built and len(index_builds) == built
    assert second.content == first.content and second["Content-Type"] == first["Content-Type"]
    assert "public" in second["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    EditorialChapter.objects.get(edition__year=2023, slug="conclusie").save()
    assert client.get(url).json()["revision"] != first.json()["revision"]
    assert len(index_builds) == 2 * built
