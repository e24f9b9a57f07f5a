"""Monitor pages: who sees which edition, charts as SVG under the CSP, downloads, query count."""

from __future__ import annotations

import lxml.html
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.monitor.models import CachedFile
from apps.partners.models import AuditEvent, Organisation
from apps.submissions.models import Form, Submission
from tests.monitor.conftest import fill

CHAPTERS = ["politie", "riec", "essm_meldpunt", "essm_hulpverlening", "opvang", "gemeenten", "landelijk"]


def chapter_url(year: int, chapter: str) -> str:
    return reverse("monitor_chapter", args=[year, chapter])


def build_url(year: int, variant: str) -> str:
    return reverse("monitor_export_build", args=[year, variant])


def status_url(year: int, variant: str) -> str:
    return reverse("monitor_export_status", args=[year, variant])


def download_url(year: int, variant: str, file_id: int | None = None) -> str:
    """The download of the file built for `variant` (the latest), or of the file `file_id`."""
    if file_id is None:
        file_id = CachedFile.objects.filter(year=year, variant=variant).latest("pk").pk
    return reverse("monitor_export_download", args=[year, variant, file_id])


def test_it_shows_every_chapter_of_every_edition_to_staff(client, vera, demo):
    client.force_login(vera)
    assert client.get(reverse("monitor_index")).status_code == 200
    for year in (2021, 2022, 2023, 2024):
        assert client.get(reverse("monitor_edition", args=[year])).status_code == 200
        for chapter in CHAPTERS:
            assert client.get(chapter_url(year, chapter)).status_code == 200, (year, chapter)


def html_table(html: str, code: str) -> dict[str, list[str]]:
    """{row label: [cell texts]} of a figures table on a page, footnote markers left out."""
    tree = lxml.html.fromstring(html)
    rows = {}
    for tr in tree.get_element_by_id(f"tabel-{code}").iter("tr"):
        th = tr.find("th")
        for sup in tr.iter("sup"):
            sup.drop_tree()
        if th is not None and tr.findall("td"):
            rows[th.text_content().strip()] = [" ".join(td.text_content().split()) for td in tr.findall("td")]
    return rows


def test_it_prints_the_tables_footnotes_narratives_and_completeness(client, vera, demo):
    client.force_login(vera)
    html = client.get(chapter_url(2023, "essm_hulpverlening")).content.decode()
    categories = html_table(html, "essm_clienten_categorie")
    assert categories["Preventief traject 18-"] == ["15", "5"]
    assert categories["Seksuele uitbuiting 18-"] == ["20", "33"]  # as printed (2022 jeugdprostitutie: none)
    assert categories["Criminele uitbuiting 18+"] == ["5", ".onbekend"]  # blank, not 0
    assert categories["Totaal slachtoffers"] == ["148", "137"]
    assert "jeugdprostitutie verwerkt onder seksuele uitbuiting" in html  # the category's footnote
    assert "Totaal 32 onder de 23" in html  # a value comment
    assert "In 2023 zijn binnen het ESSM 148 slachtoffers" in html  # the narrative
    assert "Volledigheid editie 2023" in html and "28 van 28 aanleveringen zijn compleet" in html
    assert 'class="table-responsive"' in html
    assert 'src="/monitor/2023/essm_hulpverlening/grafiek/essm_clienten_categorie.svg"' in html
    assert 'alt="Staafdiagram: Cliënten ambulante hulpverlening naar categorie' in html
    assert build_url(2023, "internal") in html and build_url(2023, "raw") in html
    police = html_table(client.get(chapter_url(2023, "politie")).content.decode(), "pol_informatieve_gesprekken")
    assert police["Criminele uitbuiting"] == ["14", "0", "1"]
    assert police["Totaal aantal gesprekken"] == ["58", "25", "54"]
    municipal = html_table(client.get(chapter_url(2023, "gemeenten")).content.decode(), "gem_bestuurlijke_controles")
    assert municipal["Boetes NLA"] == ["129"]  # Maassluis gave texts only: nothing is missing


@pytest.mark.parametrize("who", ["alice", "charlie", "vic"])
def test_it_shows_partners_published_editions_only(client, demo, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(chapter_url(2023, "politie")).status_code == 200
    assert client.get(chapter_url(2023, "gemeenten")).status_code == 200
    assert client.get(reverse("monitor_edition", args=[2023])).status_code == 200
    assert client.get(chapter_url(2024, "politie")).status_code == 404  # the open edition
    assert client.get(reverse("monitor_edition", args=[2024])).status_code == 404
    index = client.get(reverse("monitor_index")).content.decode()
    assert "Monitor 2023" in index and "Monitor 2024" not in index
    page = client.get(chapter_url(2023, "politie")).content.decode()
    assert build_url(2023, "public") in page
    assert build_url(2023, "internal") not in page and build_url(2023, "raw") not in page


def test_it_gives_404_for_an_unknown_year_or_chapter(client, vera, demo):
    client.force_login(vera)
    assert client.get(chapter_url(1999, "politie")).status_code == 404
    assert client.get(chapter_url(2023, "onbekend")).status_code == 404
    assert client.get(reverse("monitor_edition", args=[1999])).status_code == 404
    assert client.get(reverse("monitor_chart", args=[2023, "politie", "bestaat_niet"])).status_code == 404
    assert client.get(reverse("monitor_chart", args=[2023, "riec", "kerncijfers"])).status_code == 404  # no chart


def test_it_redirects_anonymous_users_to_login(client, demo):
    for url in (
        reverse("monitor_index"),
        reverse("monitor_edition", args=[2023]),
        chapter_url(2023, "politie"),
        reverse("monitor_chart", args=[2023, "politie", "pol_aangiftes"]),
        status_url(2023, "public"),
        reverse("monitor_export_progress", args=[2023, "public", 1]),
        download_url(2023, "public", 1),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = client.post(build_url(2023, "public"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_it_serves_charts_as_svg_images_without_script(client, alice, demo):
    client.force_login(alice)
    for chapter, table in (("politie", "pol_informatieve_gesprekken"), ("essm_hulpverlening", "essm_clienten_gender")):
        response = client.get(reverse("monitor_chart", args=[2023, chapter, table]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        body = response.content.decode()
        assert body.startswith("<?xml") and "<svg" in body and "<script" not in body
        policy = response["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "style-src 'unsafe-inline'" in policy and "script-src" not in policy
    # The pages themselves keep the strict policy.
    page = client.get(chapter_url(2023, "politie"))
    assert "style-src 'self'" in page["Content-Security-Policy"] and "unsafe-inline" not in page["Content-Security-Policy"]


def test_it_builds_each_file_on_request_and_records_every_download(client, vera, demo):
    client.force_login(vera)
    for variant, content_type in (
        ("internal", "spreadsheetml"),
        ("public", "spreadsheetml"),
        ("raw", "spreadsheetml"),
        ("csv", "text/csv"),
    ):
        assert build_url(2023, variant) in client.get(status_url(2023, variant)).content.decode()  # nothing built yet
        response = client.post(build_url(2023, variant))
        file_page = reverse("monitor_export_file", args=[2023, variant, CachedFile.objects.get(variant=variant).pk])
        assert response.status_code == 302 and response["Location"] == file_page
        page = client.get(file_page).content.decode()
        assert "Het bestand is klaar" in page and download_url(2023, variant) in page  # eager Celery: built already
        response = client.get(download_url(2023, variant))
        assert response.status_code == 200 and content_type in response["Content-Type"]
        assert response["Content-Disposition"].startswith("attachment; filename=\"mensenhandelmonitor-2023-")
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=vera)
    assert sorted(e.data["variant"] for e in events) == ["csv", "internal", "public", "raw"]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exclude(actor=vera).exists()
    for url in (status_url(2023, "anders"), download_url(2023, "anders", CachedFile.objects.get(variant="raw").pk)):
        assert client.get(url).status_code == 404
    assert client.post(build_url(2023, "anders")).status_code == 404
    assert client.get(build_url(2023, "internal")).status_code == 405  # building only by POST


def test_it_lets_partners_download_only_the_public_workbook_of_a_published_edition(client, alice, demo):
    client.force_login(alice)
    assert client.post(build_url(2023, "public")).status_code == 302
    assert client.get(download_url(2023, "public")).status_code == 200
    public = CachedFile.objects.get(variant="public")
    for variant in ("internal", "raw", "csv"):
        assert client.post(build_url(2023, variant)).status_code == 404
        assert client.get(status_url(2023, variant)).status_code == 404
        assert client.get(download_url(2023, variant, public.pk)).status_code == 404
    assert client.post(build_url(2024, "public")).status_code == 404
    assert client.get(download_url(2024, "public", public.pk)).status_code == 404
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)
    assert [(e.actor, e.data["variant"]) for e in events] == [(alice, "public")]


def _add_municipalities(n: int) -> None:
    form = Form.objects.get(edition__year=2023, code="gemeente")
    for i in range(n):
        organisation = Organisation.objects.create(
            name=f"Gemeente Test {i}", short_name=f"Test {i}", slug=f"gemeente-test-{i}", kind="gemeente", subregion="zhz"
        )
        submission = Submission.objects.create(edition=form.edition, organisation=organisation, form=form)
        fill(
            submission,
            {
                ("gem_bestuurlijke_controles", "bouwplaatsen", ""): i,
                ("gem_aandachtsfunctionaris", "", ""): 1,
                ("gem_campagnes", "", ""): f"Campagne {i}",
            },
            comments={("gem_bestuurlijke_controles", "bouwplaatsen", ""): f"Opmerking {i}"},
        )


@pytest.mark.parametrize("chapter", ["gemeenten", "politie"])
def test_it_does_not_add_queries_per_organisation(client, vera, demo, chapter):
    client.force_login(vera)
    url = chapter_url(2023, chapter)
    client.get(url)  # warm up the session
    cache.clear()  # measure building the report, not reading it from the cache
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url).status_code == 200
    assert len(cached) < len(before)
    _add_municipalities(6)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)  # new data, new fingerprint: built again
    assert response.status_code == 200
    assert len(after) == len(before), [q["sql"][:120] for q in after.captured_queries]
    if chapter == "gemeenten":
        assert "Campagne 5" in response.content.decode()


def test_it_gives_every_role_the_expected_status(client, demo, alice, bob, vic, charlie, vera, adam):
    """Published 2023 for every logged-in user; the open 2024 edition for VAR staff only."""
    client.force_login(vera)
    client.post(build_url(2023, "public"))
    public = CachedFile.objects.get(variant="public")
    urls = {
        "index": reverse("monitor_index"),
        "edition": reverse("monitor_edition", args=[2023]),
        "chapter": chapter_url(2023, "politie"),
        "chart": reverse("monitor_chart", args=[2023, "politie", "pol_aangiftes"]),
        "public": status_url(2023, "public"),
        "internal": status_url(2023, "internal"),
        "progress": reverse("monitor_export_progress", args=[2023, "public", public.pk]),
        "open edition": reverse("monitor_edition", args=[2024]),
        "open chapter": chapter_url(2024, "politie"),
        "open export": status_url(2024, "public"),
    }
    partner = {"index": 200, "edition": 200, "chapter": 200, "chart": 200, "public": 200, "internal": 404, "progress": 200}
    partner |= {"open edition": 404, "open chapter": 404, "open export": 404}
    staff = dict.fromkeys(urls, 200)
    for user, expected in ((alice, partner), (bob, partner), (vic, partner), (charlie, partner), (vera, staff), (adam, staff)):
        client.force_login(user)
        got = {name: client.get(url).status_code for name, url in urls.items()}
        assert got == expected, user.email
