"""The public site: published editions without an account, disclosure-controlled, cacheable, CSP-strict."""

from __future__ import annotations

import csv
import io
import json

import lxml.html
from django.urls import reverse

from apps.monitor.models import EditorialChapter
from apps.submissions.models import Edition


def cells(html: str, table_id: str) -> dict[str, list[str]]:
    """{row label: [cell texts]} of a table on a public page, footnote references left out."""
    tree = lxml.html.fromstring(html)
    rows = {}
    for tr in tree.get_element_by_id(table_id).iter("tr"):
        for sup in tr.iter("sup"):
            sup.drop_tree()
        th = tr.find("th")
        if th is not None and tr.findall("td"):
            rows[th.text_content().strip()] = [" ".join(td.text_content().split()) for td in tr.findall("td")]
    return rows


def chapter_url(year: int, anchor: str) -> str:
    return reverse("public_chapter", args=[year, anchor])


def test_it_lists_published_editions_only(client, demo):
    html = client.get(reverse("public_index")).content.decode()
    assert "Mensenhandelmonitor 2023" in html
    assert "Mensenhandelmonitor 2024" not in html  # open, not published


def test_it_links_the_public_site_from_the_login_page(client, db):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert f'href="{reverse("public_index")}"' in response.content.decode()


def test_it_gives_404_for_an_edition_that_is_not_published(client, demo):
    for url in [
        reverse("public_edition", args=[2024]),
        reverse("public_whole", args=[2024]),
        reverse("public_chapter", args=[2024, "cijfers-politie"]),
        reverse("public_chart", args=[2024, "politie", "pol_aangiftes"]),
        reverse("public_open_data", args=[2024]),
        reverse("public_open_data_index", args=[2024]),
        reverse("public_open_data_file", args=[2024, "politie", "pol_aangiftes", "csv"]),
        reverse("public_download", args=[2024, "report-pdf-public"]),
        reverse("public_download", args=[2024, "public"]),
        reverse("public_edition", args=[1999]),
    ]:
        assert client.get(url).status_code == 404, url


def test_it_never_serves_an_internal_file_publicly(client, demo):
    for variant in ["internal", "raw", "csv", "report-pdf"]:
        assert client.get(reverse("public_download", args=[2023, variant])).status_code == 404, variant


def test_it_keeps_everything_else_behind_the_login(client, demo):
    for url in ["/monitor/", "/monitor/2023/", "/monitor/2023/politie/", "/monitor/2023/rapport/", "/monitor/2023/export/public/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_it_shows_the_figures_the_printed_report_shows(client, demo):
    html = client.get(chapter_url(2023, "cijfers-politie")).content.decode()
    talks = cells(html, "tabel-politie-pol_informatieve_gesprekken")
    assert talks["Seksuele uitbuiting"][0] == "41"
    assert talks["Totaal aantal gesprekken"] == ["58", "25", "54"]
    reports = cells(html, "tabel-politie-pol_aangiftes")
    assert reports["Totaal aantal aangiftes"] == ["27", "23", "16"]
    help_html = client.get(chapter_url(2023, "cijfers-essm_hulpverlening")).content.decode()
    categories = cells(help_html, "tabel-essm_hulpverlening-essm_clienten_categorie")
    assert categories["Seksuele uitbuiting 18+"][0] == "83"
    assert categories["Totaal slachtoffers"][0] == "148"
    municipalities = client.get(chapter_url(2023, "cijfers-gemeenten")).content.decode()
    # "≥" until the other municipalities can say they have nothing to report (completeness, not this test)
    assert cells(municipalities, "tabel-gemeenten-gem_bestuurlijke_controles")["Boetes NLA"][0].lstrip("≥") == "129"


def test_it_hides_small_counts_and_what_would_give_them_away(client, demo):
    html = client.get(chapter_url(2023, "cijfers-politie")).content.decode()
    reports = cells(html, "tabel-politie-pol_aangiftes")
    # 2022: 1 x arbeidsuitbuiting (<5), so 22 x seksuele uitbuiting could be recomputed from the total.
    assert reports["Arbeidsuitbuiting"][1] == "<5"
    assert reports["Seksuele uitbuiting"][1] == "x"
    assert reports["Totaal aantal aangiftes"][0] == "27"  # the headline total stays visible


def test_it_shows_a_count_of_exactly_the_threshold(client, demo, settings):
    settings.SUPPRESSION_THRESHOLD = 3
    html = client.get(chapter_url(2023, "cijfers-politie")).content.decode()
    talks = cells(html, "tabel-politie-pol_informatieve_gesprekken")
    assert talks["Arbeidsuitbuiting"][0] == "3"  # exactly the threshold: shown
    assert talks["Arbeidsuitbuiting"][2] == "<3"  # below it: hidden


def test_it_prints_the_editorial_texts_in_the_whole_report(client, demo):
    html = client.get(reverse("public_whole", args=[2023])).content.decode()
    for text in (
        "De regionale aanpak omvat vijf opgaven",
        "Definitie mensenhandel",
        "500 – 600 slachtoffers",
        "4 casussen",
        "Het vervolg, doorkijk naar 2024",
        "Brede blik op daderschap",
        "Adriana, 29 jaar",
        "Bijlage",
    ):
        assert text in html, text
    assert html.index("Aanleiding") < html.index("Politiecijfers") < html.index("Conclusie") < html.index("Adriana")


def test_it_has_no_inline_script_or_style_and_a_strict_policy(client, demo):
    for url in (reverse("public_index"), reverse("public_edition", args=[2023]), reverse("public_whole", args=[2023])):
        response = client.get(url)
        html = response.content.decode()
        assert "<script" not in html and " style=" not in html and "<style" not in html, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


def test_it_draws_public_charts_without_hidden_counts(client, demo):
    response = client.get(reverse("public_chart", args=[2023, "essm_hulpverlening", "essm_clienten_categorie"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert "<script" not in svg and ">83<" in svg


def test_it_answers_not_modified_to_a_known_etag(client, demo):
    url = reverse("public_edition", args=[2023])
    first = client.get(url)
    assert first["ETag"] and first["Last-Modified"]
    assert "public" in first["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_it_changes_the_etag_when_a_text_changes(client, demo):
    url = reverse("public_edition", args=[2023])
    before = client.get(url)["ETag"]
    chapter = EditorialChapter.objects.get(edition__year=2023, slug="conclusie")
    chapter.save()  # a new change time, as a correction would give
    assert client.get(url)["ETag"] != before
    assert client.get(url, HTTP_IF_NONE_MATCH=before).status_code == 200


def test_it_pages_through_the_chapters(client, demo):
    html = client.get(reverse("public_edition", args=[2023])).content.decode()
    assert f'href="{chapter_url(2023, "tekst-aanleiding")}"' in html
    aanleiding = client.get(chapter_url(2023, "tekst-aanleiding")).content.decode()
    assert f'href="{chapter_url(2023, "cijfers-landelijk")}"' in aanleiding
    assert client.get(chapter_url(2023, "tekst-politie-duiding")).status_code == 404  # a section, not a page


def test_it_offers_each_public_table_as_csv_with_markers(client, demo):
    response = client.get(reverse("public_open_data_file", args=[2023, "politie", "pol_aangiftes", "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    small = next(r for r in rows if r["rij"] == "Arbeidsuitbuiting" and r["kolom"] == "2022")
    assert small["waarde"] == "" and small["teken"] == "<5"
    total = next(r for r in rows if r["rij"] == "Totaal aantal aangiftes" and r["kolom"] == "2023")
    assert total["waarde"] == "27" and total["teken"] == ""


def test_it_describes_each_table_in_json(client, demo):
    data = json.loads(client.get(reverse("public_open_data_index", args=[2023])).content)
    assert data["edition"] == 2023 and data["revision"]
    table = next(t for t in data["tables"] if t["id"] == "politie.pol_aangiftes")
    assert table["title"] == "Aangiftes mensenhandel"
    assert [d["label"] for d in table["dimensions"]][1] == "Jaar"
    assert table["dimensions"][1]["values"] == ["2023", "2022", "2021"]
    assert table["unit"] == "aantal"
    assert "<5" in table["markers"] and "x" in table["markers"]
    assert table["suppression"]["threshold"] == 5
    hidden = next(c for c in table["cells"] if c["rij"] == "Arbeidsuitbuiting" and c["kolom"] == "2022")
    assert hidden["waarde"] is None and hidden["teken"] == "<5"
    # Counts of persons below 5 never show; RIEC's cases are not persons and show as printed (4).
    persons = [c for t in data["tables"] if t["id"] != "riec.kerncijfers" for c in t["cells"]]
    assert all(c["waarde"] is None or c["waarde"] == 0 or c["waarde"] >= 5 for c in persons)
    riec = next(t for t in data["tables"] if t["id"] == "riec.kerncijfers")
    assert any(c["waarde"] == 4 for c in riec["cells"])


def test_it_lists_the_open_data_files(client, demo):
    html = client.get(reverse("public_open_data", args=[2023])).content.decode()
    assert reverse("public_open_data_file", args=[2023, "politie", "pol_aangiftes", "csv"]) in html


def test_it_serves_the_public_workbook_without_an_account(client, demo):
    response = client.get(reverse("public_download", args=[2023, "public"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('openbaar.xlsx"')


def test_it_forgets_an_edition_that_is_no_longer_published(client, demo):
    Edition.objects.filter(year=2023).update(status=Edition.Status.CLOSED)
    assert client.get(reverse("public_edition", args=[2023])).status_code == 404
