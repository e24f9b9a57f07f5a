"""The whole report as PDF: chapters, page numbers, built by the export job and kept until data or texts change."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from apps.monitor import services
from apps.monitor.cache import data_fingerprint
from apps.monitor.models import CachedFile

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) ontbreekt")


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()


def test_it_prints_the_public_report_with_its_chapters_and_page_numbers(demo):
    text = pdf_text(services.build_export(year=2023, variant="report-pdf-public"))
    pages = text.split("\f")
    assert len(pages) > 10
    assert "Mensenhandelmonitor" in pages[0] and "Openbare versie" in pages[0]
    assert "Inhoud" in pages[1]
    for title in ("Aanleiding", "Politiecijfers", "Cijfers gemeenten", "Conclusie", "Bijlage"):
        assert title in text, title
    assert "Pagina 3 van" in text
    assert "vijf opgaven" in text and "doorkijk naar 2024" in text
    assert "148" in text and "Interne versie" not in text


def test_it_numbers_the_contents_with_the_pages_of_the_chapters(demo):
    text = pdf_text(services.build_export(year=2023, variant="report-pdf-public"))
    pages = text.split("\f")
    line = next(line for line in pages[1].splitlines() if "Conclusie" in line)
    page = int(line.split()[-1])
    assert "Conclusie" in pages[page - 1]


def test_it_builds_the_pdf_in_the_background_and_serves_it_to_staff(client, vera, demo):
    client.force_login(vera)
    response = client.post(reverse("monitor_export_build", args=[2023, "report-pdf"]))
    assert response.status_code == 302
    cached = CachedFile.objects.filter(variant="report-pdf").latest("pk")
    status = client.get(reverse("monitor_export_progress", args=[2023, "report-pdf", cached.pk])).json()
    assert status["state"] == "ready" and status["percent"] == 100
    download = client.get(reverse("monitor_export_download", args=[2023, "report-pdf", cached.pk]))
    assert download["Content-Type"] == "application/pdf"
    download = b"".join(download.streaming_content) if download.streaming else download
    assert "Interne versie" in pdf_text(download if isinstance(download, bytes) else download.content)


def test_it_keeps_the_internal_pdf_from_partners(client, alice, demo):
    client.force_login(alice)
    assert client.post(reverse("monitor_export_build", args=[2023, "report-pdf"])).status_code == 404
    assert client.get(reverse("monitor_export_status", args=[2023, "report-pdf"])).status_code == 404


def test_it_lets_a_visitor_download_the_public_pdf(client, demo):
    response = client.get(reverse("public_download", args=[2023, "report-pdf-public"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('rapport.pdf"')
    assert "Aanleiding" in pdf_text(b"".join(response.streaming_content))


def test_it_builds_a_new_pdf_when_a_text_changes(vera, db):
    from apps.monitor import services_report
    from apps.submissions import services as submissions

    edition = submissions.create_edition(year=2032, created_by=None)
    before = data_fingerprint(edition, "report-pdf", "nl")
    workbook = data_fingerprint(edition, "internal", "nl")
    services_report.save_chapter(
        user=vera, edition_id=edition.pk, chapter_id=None, title="Aanleiding", slug="aanleiding", body="Tekst",
        placement="start", order=0, is_section=False, public=True,
    )  # fmt: skip
    assert data_fingerprint(edition, "report-pdf", "nl") != before
    assert data_fingerprint(edition, "internal", "nl") == workbook  # the workbooks have no texts
