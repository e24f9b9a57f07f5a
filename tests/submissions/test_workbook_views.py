"""Download the form as Excel, upload it filled in, see the changes, confirm: the whole journey."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.partners.models import AuditEvent
from apps.submissions import services, workbook
from apps.submissions.models import Submission, Value
from tests.submissions.test_workbook import (
    CTRL,
    FUNCTIONARIS,
    TRAININGEN,
    as_upload,
    fill,
    input_map,
    random_zip,
    zip_bomb,
)


def _download_url(submission):
    return reverse("submission_excel", args=[submission.pk])


def _upload_url(submission):
    return reverse("submission_upload", args=[submission.pk])


def _confirm_url(submission):
    return reverse("submission_upload_confirm", args=[submission.pk])


def _download(client, submission) -> bytes:
    response = client.get(_download_url(submission))
    assert response.status_code == 200
    return response.content


def _upload(client, submission, data: bytes, name: str = "ingevuld.xlsx"):
    return client.post(_upload_url(submission), {"bestand": as_upload(data, name)})


def _stored(submission) -> dict:
    return {
        (v.indicator.code, v.row, v.col): (v.number, v.text)
        for v in Value.objects.filter(submission=submission).select_related("indicator")
    }


def test_it_round_trips_a_filled_in_workbook_after_confirmation(client, alice, submission_a):
    client.force_login(alice)
    response = client.get(_download_url(submission_a))
    assert response["Content-Type"] == workbook.CONTENT_TYPE
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="mensenhandelmonitor-2024-gemeente-rotterdam-gemeente.xlsx"'
    )
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert export.actor == alice and export.object_id == str(submission_a.pk)

    formula_like = '=HYPERLINK("http://voorbeeld.invalid")'
    filled = fill(
        response.content,
        {
            (CTRL, "bouwplaatsen", ""): 29,
            (CTRL, "misstanden", ""): 0,
            (FUNCTIONARIS, "", ""): "Ja",
            (TRAININGEN, "", ""): formula_like,
        },
        as_text=((TRAININGEN, "", ""),),
    )
    preview = _upload(client, submission_a, filled)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Wijzigingen opslaan" in html and 'data-testid="upload-changes"' in html
    assert "Resultaten bestuurlijke controles – Controles op bouwplaatsen" in html
    assert "leeg" in html and "29" in html
    assert _stored(submission_a) == {}  # nothing saved before confirmation

    response = client.post(_confirm_url(submission_a))
    assert response.status_code == 302 and response["Location"] == reverse("submission_form", args=[submission_a.pk])
    assert _stored(submission_a) == {
        (CTRL, "bouwplaatsen", ""): (29, ""),
        (CTRL, "misstanden", ""): (0, ""),
        (FUNCTIONARIS, "", ""): (1, ""),
        (TRAININGEN, "", ""): (None, formula_like),
    }
    submission_a.refresh_from_db()
    assert submission_a.version == 2 and submission_a.last_edited_by == alice
    saved = AuditEvent.objects.get(action=AuditEvent.Action.VALUES_SAVED)
    assert saved.actor == alice and saved.data["cells"] == 4
    value = Value.objects.get(submission=submission_a, indicator__code=CTRL, row="bouwplaatsen")
    assert value.history.count() == 1 and value.history.first().history_user == alice
    page = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    assert "4 wijziging(en) opgeslagen" in page
    assert client.session.get(f"mhm-xlsx-upload-{submission_a.pk}") is None

    # Downloaded again, the text is still text and the numbers are numbers.
    again = _download(client, submission_a)
    wb = load_workbook(io.BytesIO(again))
    sheet, coordinate, __ = input_map(again)[(TRAININGEN, "", "")]
    assert wb[sheet][coordinate].value == formula_like and wb[sheet][coordinate].data_type == "s"
    sheet, coordinate, __ = input_map(again)[(CTRL, "bouwplaatsen", "")]
    assert wb[sheet][coordinate].value == 29 and wb[sheet][coordinate].data_type == "n"


def test_it_lets_a_contributor_upload(client, bob, submission_a):
    client.force_login(bob)
    filled = fill(_download(client, submission_a), {(CTRL, "boetes_nla", ""): 3})
    assert _upload(client, submission_a, filled).status_code == 200
    assert client.post(_confirm_url(submission_a)).status_code == 302
    assert _stored(submission_a) == {(CTRL, "boetes_nla", ""): (3, "")}


def test_it_lists_every_bad_cell_and_saves_nothing(client, alice, submission_a):
    client.force_login(alice)
    filled = fill(
        _download(client, submission_a),
        {
            (CTRL, "bouwplaatsen", ""): -3,
            (CTRL, "dossiers_nla", ""): 2.5,
            (CTRL, "boetes_nla", ""): "veel",
            (CTRL, "misstanden", ""): 4,  # valid, but the file as a whole is not
        },
    )
    response = _upload(client, submission_a, filled)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Niets opgeslagen." in html and "Wijzigingen opslaan" not in html
    assert 'aria-describedby="bestand-help bestand-errors"' in html and 'aria-invalid="true"' in html
    sheet = "Blad &#x27;Resultaten bestuurlijke…&#x27;"
    assert f"{sheet}, cel B6 (Resultaten bestuurlijke controles – Controles op bouwplaatsen): Een aantal kan niet negatief zijn. Vul 0 of meer in." in html
    assert f"{sheet}, cel B7 (Resultaten bestuurlijke controles – Dossiers naar NLA): Vul een heel getal in, zonder komma, punt of decimalen." in html
    assert f"{sheet}, cel B8 (Resultaten bestuurlijke controles – Boetes NLA): Vul een heel getal in met alleen de cijfers" in html
    assert _stored(submission_a) == {}
    assert client.session.get(f"mhm-xlsx-upload-{submission_a.pk}") is None
    assert client.post(_confirm_url(submission_a)).status_code == 302
    assert _stored(submission_a) == {}


def _charlies_template(submission_a, org_b):
    other = Submission.objects.get(edition=submission_a.edition, organisation=org_b, form__code="gemeente")
    return workbook.build_template(other)


@pytest.mark.parametrize(
    "make, name, message",
    [
        (lambda s, o, p: b"aantal;12\nnog een regel\n", "cijfers.xlsx", "Dit is geen Excel-bestand (.xlsx)"),
        (lambda s, o, p: random_zip(), "archief.xlsx", "Dit is geen Excel-bestand (.xlsx)"),
        (lambda s, o, p: workbook.build_template(s)[:3000], "afgebroken.xlsx", "Het bestand is beschadigd of geen geldig Excel-bestand."),
        (lambda s, o, p: _charlies_template(s, o), "dordrecht.xlsx", "Dit sjabloon hoort bij een andere organisatie"),
        (lambda s, o, p: workbook.build_template(p), "politie.xlsx", "Dit sjabloon hoort bij een ander formulier"),
        (lambda s, o, p: zip_bomb(), "bom.xlsx", "onredelijk groot"),
    ],
    ids=["text", "zip", "truncated", "other-organisation", "other-form", "zip-bomb"],
)
def test_it_refuses_a_foreign_or_broken_file_and_changes_nothing(
    client, alice, submission_a, org_b, police_2024, make, name, message
):
    client.force_login(alice)
    response = _upload(client, submission_a, make(submission_a, org_b, police_2024), name)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "Niets opgeslagen." in html
    assert "Wijzigingen opslaan" not in html
    assert _stored(submission_a) == {}
    assert not Value.objects.exists()
    submission_a.refresh_from_db()
    assert submission_a.version == 1


def test_it_asks_for_a_file_when_none_is_sent(client, alice, submission_a):
    client.force_login(alice)
    response = client.post(_upload_url(submission_a), {})
    assert response.status_code == 200 and "Kies het ingevulde Excel-bestand" in response.content.decode()


def test_it_refuses_an_upload_into_a_locked_submission(client, alice, vera, submission_a):
    client.force_login(alice)
    filled = fill(_download(client, submission_a), {(CTRL, "bouwplaatsen", ""): 5})
    Submission.objects.filter(pk=submission_a.pk).update(
        status=Submission.Status.APPROVED, approved_at=timezone.now(), approved_by=vera
    )
    reason = services.lock_reason(Submission.objects.get(pk=submission_a.pk))

    response = client.get(_upload_url(submission_a))
    assert response.status_code == 409 and "Goedgekeurd op" in response.content.decode()
    response = _upload(client, submission_a, filled)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Goedgekeurd op" in html and "heropenen" in html and 'type="file"' not in html
    assert reason.split(" door ")[0] in html
    assert client.post(_confirm_url(submission_a)).status_code == 409
    assert _stored(submission_a) == {}
    # the form page offers the download but not the upload
    page = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    assert _download_url(submission_a) in page and _upload_url(submission_a) not in page


def test_it_refuses_to_confirm_once_the_submission_was_locked_after_the_preview(client, alice, vera, submission_a):
    client.force_login(alice)
    _upload(client, submission_a, fill(_download(client, submission_a), {(CTRL, "bouwplaatsen", ""): 5}))
    Submission.objects.filter(pk=submission_a.pk).update(status=Submission.Status.SUBMITTED, submitted_at=timezone.now())
    response = client.post(_confirm_url(submission_a))
    assert response.status_code == 409 and "Ingediend op" in response.content.decode()
    assert _stored(submission_a) == {}


def test_it_gives_an_outsider_404_on_every_excel_page(client, alice, charlie, submission_a):
    client.force_login(alice)
    filled = fill(_download(client, submission_a), {(CTRL, "bouwplaatsen", ""): 5})
    client.force_login(charlie)
    assert client.get(_download_url(submission_a)).status_code == 404
    assert client.get(_upload_url(submission_a)).status_code == 404
    assert _upload(client, submission_a, filled).status_code == 404
    assert client.get(_confirm_url(submission_a)).status_code == 404
    assert client.post(_confirm_url(submission_a)).status_code == 404
    assert _stored(submission_a) == {}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=charlie).exists()


def test_it_lets_a_viewer_download_but_not_upload(client, vic, submission_a):
    client.force_login(vic)
    data = _download(client, submission_a)
    assert client.get(_upload_url(submission_a)).status_code == 403
    assert _upload(client, submission_a, fill(data, {(CTRL, "bouwplaatsen", ""): 5})).status_code == 403
    assert client.post(_confirm_url(submission_a)).status_code == 403
    assert _stored(submission_a) == {}
    page = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    assert _download_url(submission_a) in page and _upload_url(submission_a) not in page


def test_it_merges_a_stale_confirmation_with_a_colleagues_other_cells(client, alice, bob, submission_a):
    client.force_login(alice)
    filled = fill(_download(client, submission_a), {(CTRL, "bouwplaatsen", ""): 5})
    assert _upload(client, submission_a, filled).status_code == 200
    # bob saves another cell in the web form between alice's upload and her confirmation
    services.save_values(
        submission_id=submission_a.pk,
        user=bob,
        cells={(CTRL, "misstanden", ""): services.CellInput(number=2)},
        explanations={},
        base_version=1,
    )
    assert client.post(_confirm_url(submission_a)).status_code == 302
    assert _stored(submission_a) == {(CTRL, "misstanden", ""): (2, ""), (CTRL, "bouwplaatsen", ""): (5, "")}


def test_it_refuses_a_stale_confirmation_of_a_cell_a_colleague_changed_and_names_it(client, alice, bob, submission_a):
    client.force_login(alice)
    filled = fill(_download(client, submission_a), {(CTRL, "bouwplaatsen", ""): 5})
    assert _upload(client, submission_a, filled).status_code == 200
    services.save_values(
        submission_id=submission_a.pk,
        user=bob,
        cells={(CTRL, "bouwplaatsen", ""): services.CellInput(number=2)},
        explanations={},
        base_version=1,
    )
    response = client.post(_confirm_url(submission_a))
    assert response.status_code == 409
    html = response.content.decode()
    assert "iemand anders heeft deze aanlevering gewijzigd" in html
    assert "Resultaten bestuurlijke controles – Controles op bouwplaatsen" in html
    assert _stored(submission_a) == {(CTRL, "bouwplaatsen", ""): (2, "")}


def test_it_says_so_when_the_file_changes_nothing(client, alice, submission_a):
    client.force_login(alice)
    response = _upload(client, submission_a, _download(client, submission_a))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="upload-no-changes"' in html
    assert "Wijzigingen opslaan" not in html
    assert client.session.get(f"mhm-xlsx-upload-{submission_a.pk}") is None


def test_it_shows_the_rules_findings_in_the_preview(client, politie_coordinator, police_2024):
    client.force_login(politie_coordinator)
    filled = fill(
        _download(client, police_2024),
        {
            ("pol_informatieve_gesprekken", "seksueel", "minderjarig"): 3,
            ("pol_informatieve_gesprekken", "seksueel", "meerderjarig"): 4,
            ("pol_informatieve_gesprekken", "seksueel", "_total"): 9,
        },
    )
    response = _upload(client, police_2024, filled)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="upload-findings"' in html
    assert "is niet gelijk aan de som van de delen" in html
    assert "Wijzigingen opslaan" in html  # warnings never block saving, as in the web form


def test_it_offers_the_excel_buttons_on_the_form(client, alice, submission_a):
    client.force_login(alice)
    page = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    assert _download_url(submission_a) in page and _upload_url(submission_a) in page
    upload_page = client.get(_upload_url(submission_a)).content.decode()
    assert 'enctype="multipart/form-data"' in upload_page
    assert '<label class="form-label" for="id_bestand">' in upload_page and 'id="id_bestand"' in upload_page


def test_it_loads_the_form_once_to_check_an_upload_and_show_its_changes(client, alice, submission_a, monkeypatch):
    from apps.submissions import selectors, upload_views
    from apps.submissions.workbook import upload as checking

    client.force_login(alice)
    filled = fill(_download(client, submission_a), {(CTRL, "bouwplaatsen", ""): 3})
    loads: list[int] = []

    def counting(submission):
        loads.append(submission.pk)
        return selectors.load_form_context(submission)

    monkeypatch.setattr(checking, "load_form_context", counting)
    monkeypatch.setattr(upload_views, "load_form_context", counting, raising=False)
    preview = _upload(client, submission_a, filled)
    assert preview.status_code == 200 and "Controles op bouwplaatsen" in preview.content.decode()
    assert loads == [submission_a.pk]
