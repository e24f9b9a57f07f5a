"""An uploaded workbook cannot claim another version or submission, nor smuggle XML entities (issue 11)."""

from __future__ import annotations

import io
import zipfile

import openpyxl.xml
from openpyxl import load_workbook

from apps.submissions import services, workbook
from apps.submissions.models import Submission, Value
from tests.submissions.test_workbook import fill

CTRL = "gem_bestuurlijke_controles"
CELL = (CTRL, "bouwplaatsen", "")


def _edit_meta(data: bytes, changes: dict[str, str]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[workbook.META_SHEET]
    for row in ws.iter_rows():
        if row[0].value in changes:
            row[1].value = changes[row[0].value]
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _meta(data: bytes) -> dict[str, str]:
    wb = load_workbook(io.BytesIO(data))
    return {row[0]: row[1] for row in wb[workbook.META_SHEET].iter_rows(values_only=True, max_col=2) if row[0]}


def test_it_refuses_a_template_whose_version_was_edited_so_a_colleagues_edit_is_not_overwritten(submission_a, alice, bob):
    downloaded = workbook.build_template(submission_a)  # version 1
    services.save_values(
        submission_id=submission_a.pk, user=bob, cells={CELL: services.CellInput(number=2)}, explanations={}, base_version=1
    )
    tampered = _edit_meta(fill(downloaded, {CELL: 5}), {"version": "2"})  # claims to be based on bob's version
    result = workbook.parse_upload(Submission.objects.get(pk=submission_a.pk), tampered)
    assert result.cells == {}
    assert "verborgen gegevens van dit sjabloon zijn na het downloaden gewijzigd" in result.errors[0]
    assert Value.objects.get().number == 2


def test_it_still_reports_the_conflict_of_an_untampered_old_template(submission_a, bob):
    downloaded = workbook.build_template(submission_a)
    services.save_values(
        submission_id=submission_a.pk, user=bob, cells={CELL: services.CellInput(number=2)}, explanations={}, base_version=1
    )
    result = workbook.parse_upload(Submission.objects.get(pk=submission_a.pk), fill(downloaded, {CELL: 5}))
    assert result.cells == {} and "door iemand anders gewijzigd" in result.errors[0]


def test_it_refuses_a_template_of_another_submission_relabelled_as_this_one(submission_a, edition_2023, org_a):
    last_year = Submission.objects.get(edition=edition_2023, organisation=org_a, form__code="gemeente")
    relabelled = _edit_meta(
        workbook.build_template(last_year), {"submission": str(submission_a.pk), "edition": str(submission_a.edition.year)}
    )
    result = workbook.parse_upload(submission_a, relabelled)
    assert "verborgen gegevens" in result.errors[0]


def test_it_refuses_a_template_whose_signature_was_removed(submission_a):
    stripped = _edit_meta(workbook.build_template(submission_a), {"signature": ""})
    assert "verborgen gegevens" in workbook.parse_upload(submission_a, stripped).errors[0]


def test_it_signs_the_template_it_hands_out_and_accepts_it_back(submission_a):
    data = workbook.build_template(submission_a)
    assert _meta(data)["signature"]
    result = workbook.parse_upload(submission_a, fill(data, {CELL: 5}))
    assert result.is_valid and result.cells[CELL].number == 5


def _with_member(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, content if info.filename == name else source.read(info))
    return buffer.getvalue()


def test_it_refuses_an_entity_in_utf16_xml_before_it_is_resolved_into_a_count(submission_a):
    data = fill(workbook.build_template(submission_a), {CELL: 5})
    sheet = next(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("xl/worksheets/sheet2"))
    xml = zipfile.ZipFile(io.BytesIO(data)).read(sheet).decode()
    body = xml.split("?>", 1)[-1]
    evil = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet [<!ENTITY n "7">]>' + body.replace(
        "<v>5</v>", "<v>&n;</v>", 1
    )
    result = workbook.parse_upload(submission_a, _with_member(data, sheet, evil.encode("utf-16")))
    assert result.cells == {}
    assert "DOCTYPE" in result.errors[0]


def test_it_parses_uploads_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True
