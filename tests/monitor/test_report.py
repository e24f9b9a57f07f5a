"""The report as a document: editorial chapters (service, pages) and the order of the whole report."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from apps.monitor import report, services_report
from apps.monitor.cache import cached_report
from apps.monitor.models import EditorialChapter
from apps.partners.models import AuditEvent
from apps.submissions import services
from apps.submissions.models import Edition


@pytest.fixture
def open_edition(db) -> Edition:
    edition = services.create_edition(year=2031, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    return edition


def save(user, edition: Edition, chapter_id: int | None = None, **overrides) -> EditorialChapter:
    fields = {
        "title": "Aanleiding",
        "slug": "aanleiding",
        "body": "De regionale aanpak omvat **vijf opgaven**.",
        "placement": "start",
        "order": 0,
        "is_section": False,
        "public": True,
    } | overrides
    return services_report.save_chapter(user=user, edition_id=edition.pk, chapter_id=chapter_id, **fields)


# -- Markdown ----------------------------------------------------------------------------------------


def test_it_renders_markdown_without_scripts_styles_or_handlers():
    html = report.render_markdown(
        '<script>alert(1)</script><p style="color:red" onclick="steal()">tekst</p>\n\n'
        "[klik](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    assert "<script" not in html and "alert(1)</" not in html
    assert "style=" not in html and "onclick" not in html and "onerror" not in html
    assert "javascript:" not in html and "<img" not in html
    assert "tekst" in html


def test_it_renders_lists_emphasis_and_subheadings():
    html = report.render_markdown("## Definitie\n\n1. Een\n2. Twee\n\n- **vet** en *schuin*")
    assert "<h3>Definitie</h3>" in html
    assert "<ol>" in html and "<ul>" in html
    assert "<strong>vet</strong>" in html and "<em>schuin</em>" in html


# -- the service -------------------------------------------------------------------------------------


def test_it_lets_staff_write_a_chapter_and_records_it(vera, open_edition):
    chapter = save(vera, open_edition)
    assert chapter.updated_by == vera
    event = AuditEvent.objects.get(action=services_report.CHANGED, object_id=str(chapter.pk))
    assert event.actor == vera and "Aanleiding" in event.summary


def test_it_keeps_every_version_in_the_history(vera, open_edition):
    chapter = save(vera, open_edition)
    save(vera, open_edition, chapter.pk, body="Tweede versie.")
    bodies = [h.body for h in chapter.history.order_by("history_date")]
    assert bodies == ["De regionale aanpak omvat **vijf opgaven**.", "Tweede versie."]


@pytest.mark.parametrize("who", ["alice", "charlie", "vic"])
def test_it_refuses_partners(request, who, open_edition):
    with pytest.raises(Http404):
        save(request.getfixturevalue(who), open_edition)
    assert not EditorialChapter.objects.exists()


def test_it_refuses_to_change_the_texts_of_a_published_edition(vera, open_edition):
    chapter = save(vera, open_edition)
    Edition.objects.filter(pk=open_edition.pk).update(status=Edition.Status.PUBLISHED)
    with pytest.raises(services_report.ReportFrozen):
        save(vera, open_edition, chapter.pk, body="Achteraf gewijzigd.")
    with pytest.raises(services_report.ReportFrozen):
        services_report.remove_chapter(user=vera, chapter_id=chapter.pk)
    chapter.refresh_from_db()
    assert chapter.body.startswith("De regionale aanpak")


def test_it_still_changes_the_texts_of_a_closed_edition(vera, open_edition):
    Edition.objects.filter(pk=open_edition.pk).update(status=Edition.Status.CLOSED)
    assert save(vera, open_edition).pk


def test_it_refuses_a_code_used_twice_in_one_edition(vera, open_edition):
    save(vera, open_edition)
    with pytest.raises(ValidationError) as error:
        save(vera, open_edition, title="Nog een aanleiding")
    assert "slug" in error.value.message_dict


def test_it_refuses_an_unknown_place(vera, open_edition):
    with pytest.raises(ValidationError) as error:
        save(vera, open_edition, placement="before:nergens")
    assert "placement" in error.value.message_dict


def test_it_removes_a_chapter_with_an_audit_entry(vera, open_edition):
    chapter = save(vera, open_edition)
    services_report.remove_chapter(user=vera, chapter_id=chapter.pk)
    assert not EditorialChapter.objects.exists()
    assert AuditEvent.objects.filter(action=services_report.REMOVED, object_id=str(chapter.pk)).exists()


# -- the document ------------------------------------------------------------------------------------


def test_it_orders_the_2023_report_as_the_printed_one(demo):
    edition = Edition.objects.get(year=2023)
    document = report.assemble(edition, cached_report(edition=edition, published_only=True), public=True)
    assert [b.title for b in document.contents] == [
        "Aanleiding",
        "Landelijk beeld",
        "RIEC Rotterdam",
        "Politiecijfers",
        "ESSM – Meld- en adviespunt mensenhandel",
        "ESSM – Cliënten ambulante hulpverlening",
        "Opvang slachtoffers mensenhandel",
        "Cijfers gemeenten",
        "Conclusie",
        "Interview slachtoffer seksuele uitbuiting: Adriana",
    ]
    police = document.block("cijfers-politie")
    assert [s.title for s in police.after] == ["Duiding van de politiecijfers"]
    assert [s.title for s in document.block("cijfers-landelijk").intro] == ["Geschatte omvang van mensenhandel"]
    conclusion = document.block("tekst-conclusie").html
    assert "Het vervolg, doorkijk naar 2024" in conclusion and conclusion.count("<li>") == 11


def test_it_keeps_internal_texts_out_of_the_public_report(vera, open_edition):
    save(vera, open_edition)
    save(vera, open_edition, title="Werkaantekening", slug="notitie", public=False, placement="end")
    whole = cached_report(edition=open_edition, published_only=False)
    internal = report.assemble(open_edition, whole, public=False)
    public = report.assemble(open_edition, whole, public=True)
    assert "Werkaantekening" in [b.title for b in internal.contents]
    assert "Werkaantekening" not in [b.title for b in public.contents]


def test_it_makes_a_section_placed_first_a_chapter(vera, open_edition):
    save(vera, open_edition, is_section=True)
    document = report.assemble(open_edition, cached_report(edition=open_edition, published_only=False), public=False)
    assert document.contents[0].title == "Aanleiding"


# -- the pages ---------------------------------------------------------------------------------------


def new_url(year: int) -> str:
    return reverse("report_text_new", args=[year])


def form_data(**overrides) -> dict:
    return {
        "title": "Conclusie",
        "slug": "conclusie",
        "placement": "end",
        "order": "0",
        "public": "on",
        "body": "## Knelpunten\n\n- Doorstroom",
    } | overrides


def test_it_previews_a_text_without_saving_it(client, vera, open_edition):
    client.force_login(vera)
    response = client.post(new_url(2031), form_data(preview="1"))
    assert response.status_code == 200
    assert "<h3>Knelpunten</h3>" in response.content.decode()
    assert not EditorialChapter.objects.exists()


def test_it_saves_a_text_from_the_form(client, vera, open_edition):
    client.force_login(vera)
    response = client.post(new_url(2031), form_data(save="1"))
    assert response.status_code == 302
    chapter = EditorialChapter.objects.get(slug="conclusie")
    assert chapter.placement == "end" and chapter.public
    page = client.get(reverse("report_texts", args=[2031])).content.decode()
    assert "Conclusie" in page


def test_it_keeps_what_was_typed_and_explains_a_missing_title(client, vera, open_edition):
    client.force_login(vera)
    response = client.post(new_url(2031), form_data(title="", save="1", body="Mijn lange tekst"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mijn lange tekst" in html and "Dit veld is verplicht" in html
    assert not EditorialChapter.objects.exists()


def test_it_says_so_when_saving_into_a_published_edition(client, vera, demo):
    client.force_login(vera)
    chapter = EditorialChapter.objects.get(edition__year=2023, slug="conclusie")
    url = reverse("report_text_edit", args=[2023, chapter.pk])
    response = client.post(url, form_data(save="1", body="Anders"))
    assert response.status_code == 200
    assert "gepubliceerd" in response.content.decode()
    chapter.refresh_from_db()
    assert chapter.body != "Anders\n" and "Anders" != chapter.body


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_it_gives_partners_404_on_the_editorial_pages(client, request, who, open_edition, vera):
    chapter = save(vera, open_edition)
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("report_internal", args=[2031]),
        reverse("report_texts", args=[2031]),
        new_url(2031),
        reverse("report_text_edit", args=[2031, chapter.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(new_url(2031), form_data(slug="anders", save="1")).status_code == 404
    assert client.post(reverse("report_text_remove", args=[2031, chapter.pk])).status_code == 404
    assert EditorialChapter.objects.count() == 1


def test_it_sends_anonymous_visitors_of_the_editorial_pages_to_the_login(client, open_edition):
    response = client.get(reverse("report_texts", args=[2031]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_shows_staff_the_whole_internal_report_with_every_figure(client, vera, demo):
    client.force_login(vera)
    html = client.get(reverse("report_internal", args=[2023])).content.decode()
    assert "Interne versie" in html
    assert "vijf opgaven" in html and "Adriana" in html
    assert "&lt;5" not in html  # nothing hidden in the internal variant


def test_it_offers_every_place_in_the_order_of_the_report():
    values = [value for value, __ in report.placements()]
    assert values == report.placement_values()
    assert values[0] == "start" and values[-1] == "end"
    assert values.index("before:politie") < values.index("intro:politie") < values.index("after:politie")
