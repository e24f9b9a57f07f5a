"""Corrections after publication: reopen only what is affected, re-approve, publish revision n+1;
or withdraw the correction, back to exactly the published state and figures."""

from __future__ import annotations

import pytest
from django.core import mail
from django.http import Http404
from django.urls import reverse

from apps.monitor import aggregation
from apps.monitor.aggregation import Cell
from apps.partners.models import AuditEvent
from apps.submissions import corrections, editions, services
from apps.submissions.models import Edition, EditionRevision, Submission, SubmissionEvent, Value

A = SubmissionEvent.Action
S = Submission.Status
CTRL = "gem_bestuurlijke_controles"
CELL = (CTRL, "bouwplaatsen", "")


def _save(submission, user, number):
    submission.refresh_from_db()
    services.save_values(
        submission_id=submission.pk,
        user=user,
        cells={CELL: services.CellInput(number=number)},
        explanations={},
        base_version=submission.version,
    )


def _approve(submission, coordinator, staff):
    services.transition(submission_id=submission.pk, action=A.SUBMIT, user=coordinator)
    services.transition(submission_id=submission.pk, action=A.APPROVE, user=staff)


@pytest.fixture
def published(submission_a, alice, charlie, vera, org_b):
    """2024 published: Rotterdam 29 and Dordrecht 7 building-site controls, the rest not applicable."""
    dordrecht = Submission.objects.get(edition=submission_a.edition, organisation=org_b, form__code="gemeente")
    _save(submission_a, alice, 29)
    _approve(submission_a, alice, vera)
    _save(dordrecht, charlie, 7)
    _approve(dordrecht, charlie, vera)
    for s in Submission.objects.filter(edition=submission_a.edition).exclude(pk__in=[submission_a.pk, dordrecht.pk]):
        services.transition(submission_id=s.pk, action=A.NOT_APPLICABLE, user=vera, comment="Niet gevraagd")
    editions.close_edition(edition_id=submission_a.edition_id, user=vera)
    editions.publish_edition(edition_id=submission_a.edition_id, user=vera)
    submission_a.refresh_from_db()
    dordrecht.refresh_from_db()
    return submission_a, dordrecht


def _open(submission, vera, reason="Rotterdam telde de bouwplaatsen dubbel"):
    return editions.open_correction(
        edition_id=submission.edition_id, user=vera, reason=reason, submission_ids=[submission.pk]
    )


def _revise(rotterdam, vera, alice, number):
    """The whole correction: open it, the partner changes the figure, re-approval, revision 2."""
    _open(rotterdam, vera)
    _save(rotterdam, alice, number)
    _approve(rotterdam, alice, vera)
    return editions.publish_edition(edition_id=rotterdam.edition_id, user=vera)


def test_it_needs_a_reason_to_open_a_correction(published, vera):
    rotterdam, __ = published
    with pytest.raises(editions.EditionError, match="reden"):
        _open(rotterdam, vera, reason=" ")
    assert not Edition.objects.get(pk=rotterdam.edition_id).in_correction


def test_it_opens_a_correction_only_of_a_published_edition(submission_a, vera, alice):
    _approve(submission_a, alice, vera)
    with pytest.raises(editions.EditionError):
        _open(submission_a, vera)


def test_it_lets_only_staff_open_a_correction(published, alice):
    with pytest.raises(Http404):
        _open(published[0], alice)


def test_it_reopens_only_the_affected_submission(published, vera, charlie):
    rotterdam, dordrecht = published
    _open(rotterdam, vera)
    rotterdam.refresh_from_db()
    dordrecht.refresh_from_db()
    assert rotterdam.status == S.DRAFT and rotterdam.under_correction
    assert dordrecht.status == S.APPROVED and not dordrecht.under_correction
    # Everything else stays frozen: no workflow step, no save.
    with pytest.raises(services.TransitionNotAllowed, match="gepubliceerd"):
        services.transition(submission_id=dordrecht.pk, action=A.REOPEN, user=vera, comment="Ook even")
    with pytest.raises(services.SubmissionLocked, match="gepubliceerd"):
        _save(dordrecht, charlie, 8)
    assert AuditEvent.objects.filter(action="edition.correction_opened").exists()


def test_it_reopens_through_the_workflow_with_the_reason(published, vera):
    rotterdam, __ = published
    _open(rotterdam, vera)
    event = SubmissionEvent.objects.filter(submission=rotterdam).latest("at")
    assert event.action == A.REOPEN and "dubbel" in event.comment


def test_it_refuses_a_second_correction_while_one_runs(published, vera):
    rotterdam, dordrecht = published
    _open(rotterdam, vera)
    with pytest.raises(editions.EditionError, match="loopt al"):
        editions.open_correction(edition_id=rotterdam.edition_id, user=vera, reason="x", submission_ids=[dordrecht.pk])


def test_it_keeps_showing_the_published_figures_during_a_correction(published, vera, alice):
    rotterdam, __ = published
    _open(rotterdam, vera)
    _save(rotterdam, alice, 15)  # a draft
    data = aggregation.load_editions([2024])[2024]
    assert data.cell(*CELL[:1], CELL[1:]) == Cell(number=36)  # 29 + 7, never the draft's 15
    _approve(rotterdam, alice, vera)  # approved again, but not yet published
    data = aggregation.load_editions([2024])[2024]
    assert data.cell(CTRL, CELL[1:]) == Cell(number=36)
    assert aggregation.load_completeness([2024])[2024].missing_count == 0


def test_it_shows_partners_the_published_figure_on_the_monitor_during_a_correction(client, published, vera, alice, vic):
    rotterdam, __ = published
    _open(rotterdam, vera)
    _save(rotterdam, alice, 15)
    client.force_login(vic)
    html = client.get(reverse("monitor_chapter", args=[2024, "gemeenten"])).content.decode()
    assert ">36<" in html and ">22<" not in html and "concept" not in html.lower()
    assert "Er loopt een correctie" in html


def test_it_refuses_to_publish_the_correction_before_the_submission_is_approved_again(published, vera, alice):
    rotterdam, __ = published
    _open(rotterdam, vera)
    _save(rotterdam, alice, 15)
    with pytest.raises(editions.EditionError, match="nog niet klaar"):
        editions.publish_edition(edition_id=rotterdam.edition_id, user=vera)


def test_it_publishes_the_correction_as_revision_two_with_the_changed_figures(published, vera, alice):
    rotterdam, __ = published
    _open(rotterdam, vera)
    _save(rotterdam, alice, 15)
    _approve(rotterdam, alice, vera)
    revision = editions.publish_edition(edition_id=rotterdam.edition_id, user=vera)
    assert revision.number == 2 and revision.reason == "Rotterdam telde de bouwplaatsen dubbel"
    assert revision.changes == [
        {
            "key": "gemeente-rotterdam|gemeente|gem_bestuurlijke_controles|bouwplaatsen|",
            "organisation": "Rotterdam",
            "indicator": "Resultaten bestuurlijke controles",
            "cell": "Controles op bouwplaatsen",
            "old": 29,
            "new": 15,
        }
    ]
    edition = Edition.objects.get(pk=rotterdam.edition_id)
    assert edition.revision == 2 and not edition.in_correction
    assert not Submission.objects.filter(edition=edition, under_correction=True).exists()
    assert aggregation.load_editions([2024])[2024].cell(CTRL, CELL[1:]) == Cell(number=22)
    # Revision 1 keeps the figure as first published.
    assert EditionRevision.objects.get(edition=edition, number=1).figures["values"][revision.changes[0]["key"]] == 29
    # Frozen again.
    with pytest.raises(services.SubmissionLocked):
        _save(rotterdam, alice, 16)
    assert AuditEvent.objects.filter(action="edition.revision_published").exists()


def test_it_shows_the_revision_on_the_monitor_pages(client, published, vera, alice, vic):
    rotterdam, __ = published
    _revise(rotterdam, vera, alice, 15)
    client.force_login(vic)
    chapter = client.get(reverse("monitor_chapter", args=[2024, "gemeenten"])).content.decode()
    assert "Herzien op" in chapter and "revisie 2" in chapter and "bouwplaatsen dubbel" in chapter
    edition_page = client.get(reverse("monitor_edition", args=[2024])).content.decode()
    assert "Revisie 2: herzien op" in edition_page and "Controles op bouwplaatsen" in edition_page
    assert ">29<" in edition_page and ">15<" in edition_page


def test_it_hides_small_changed_counts_from_partners_but_not_from_staff(client, published, vera, alice, vic):
    rotterdam, __ = published
    _revise(rotterdam, vera, alice, 3)
    client.force_login(vic)
    assert "&lt; 5" in client.get(reverse("monitor_edition", args=[2024])).content.decode()
    client.force_login(vera)
    assert ">3<" in client.get(reverse("monitor_edition", args=[2024])).content.decode()


def test_it_lets_staff_download_an_earlier_revisions_figures(client, published, vera, alice):
    rotterdam, __ = published
    _revise(rotterdam, vera, alice, 15)
    client.force_login(vera)
    first = client.get(reverse("edition_revision_csv", args=[2024, 1])).content.decode()
    assert "gemeente-rotterdam;gemeente;gem_bestuurlijke_controles;bouwplaatsen;;29" in first
    second = client.get(reverse("edition_revision_csv", args=[2024, 2])).content.decode()
    assert "gemeente-rotterdam;gemeente;gem_bestuurlijke_controles;bouwplaatsen;;15" in second


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_it_hides_corrections_and_revision_files_from_partners(request, client, published, who):
    rotterdam, __ = published
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("edition_revision_csv", args=[2024, 1])).status_code == 404
    response = client.post(reverse("edition_correction", args=[2024]), {"reason": "x", "submissions": [rotterdam.pk]})
    assert response.status_code == 404
    assert not Edition.objects.get(pk=rotterdam.edition_id).in_correction


def test_it_opens_a_correction_through_the_page(client, published, vera):
    rotterdam, __ = published
    client.force_login(vera)
    assert client.get(reverse("edition_correction", args=[2024])).status_code == 200
    response = client.post(reverse("edition_correction", args=[2024]), {"reason": "", "submissions": []})
    assert "Geef de reden van de correctie." in response.content.decode()
    response = client.post(reverse("edition_correction", args=[2024]), {"reason": "Dubbel geteld", "submissions": [rotterdam.pk]})
    assert response.status_code == 302
    assert Submission.objects.get(pk=rotterdam.pk).under_correction


def test_it_puts_the_revision_on_the_exports_cover_line(published, vera, alice):
    from apps.monitor.exports import completeness_line

    rotterdam, __ = published
    assert "Herzien" not in completeness_line(aggregation.load_completeness([2024])[2024])
    _revise(rotterdam, vera, alice, 15)
    line = completeness_line(aggregation.load_completeness([2024])[2024])
    assert "Herzien op" in line and "(revisie 2), reden: Rotterdam telde de bouwplaatsen dubbel" in line


def test_it_keeps_the_ticked_submissions_when_the_reason_is_missing(client, published, vera):
    import lxml.html

    rotterdam, __ = published
    client.force_login(vera)
    response = client.post(reverse("edition_correction", args=[2024]), {"reason": "", "submissions": [rotterdam.pk]})
    page = lxml.html.fromstring(response.content)
    boxes = page.xpath('//input[@name="submissions"]')
    assert len(boxes) == Submission.objects.filter(edition__year=2024, status__in=["approved", "nothing_to_report", "not_applicable"]).count()
    assert [box.get("value") for box in boxes if box.get("checked") is not None] == [str(rotterdam.pk)]
    for box in boxes:  # every box sits in its label, which names the organisation
        assert box.getparent().tag == "label" and box.getparent().text_content().strip()


def test_it_says_beside_the_boxes_that_one_must_be_chosen(client, published, vera):
    client.force_login(vera)
    response = client.post(reverse("edition_correction", args=[2024]), {"reason": "Dubbel geteld"})
    assert 'class="form-check-input is-invalid"' in response.content.decode()
    assert "Kies minstens één aanlevering." in response.content.decode()


def test_it_writes_a_revisions_file_once(client, published, vera):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(vera)
    url = reverse("edition_revision_csv", args=[2024, 1])
    first = client.get(url).content
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url).content
    assert again == first
    assert not [q for q in queries.captured_queries if '"figures"' in q["sql"]]  # the snapshot is not read again


def test_it_shows_partners_no_number_of_a_changed_count_of_persons(client, published, vera, vic):
    # One organisation's count of persons is finer than the tables: its old and new value could give
    # a small count away beside a table total, so outside the VAR the list names it without numbers.
    rotterdam, __ = published
    EditionRevision.objects.create(
        edition=rotterdam.edition, number=2, published_at=rotterdam.edition.published_at, reason="Dubbel geteld",
        figures={}, changes=[{
            "key": "politie-tmm|politie|pol_aangiftes|seksueel|meerderjarig", "organisation": "Politie",
            "indicator": "Aangiftes mensenhandel", "cell": "Seksuele uitbuiting – meerderjarig", "old": 18, "new": 17,
        }],
    )  # fmt: skip
    client.force_login(vic)
    page = client.get(reverse("monitor_edition", args=[2024])).content.decode()
    assert "Aangiftes mensenhandel" in page and "afgeschermd" in page
    assert ">18<" not in page and ">17<" not in page
    client.force_login(vera)
    page = client.get(reverse("monitor_edition", args=[2024])).content.decode()
    assert ">18<" in page and ">17<" in page



def test_it_shows_an_organisation_the_numbers_of_its_own_changed_counts(client, published, vic):
    rotterdam, __ = published  # vic is a member of Rotterdam: it reported these figures itself
    EditionRevision.objects.create(
        edition=rotterdam.edition, number=2, published_at=rotterdam.edition.published_at, reason="Dubbel geteld",
        figures={}, changes=[{
            "key": "gemeente-rotterdam|gemeente|pol_aangiftes|seksueel|meerderjarig", "organisation": "Rotterdam",
            "indicator": "Aangiftes mensenhandel", "cell": "Seksuele uitbuiting – meerderjarig", "old": 18, "new": 17,
        }],
    )  # fmt: skip
    client.force_login(vic)
    page = client.get(reverse("monitor_edition", args=[2024])).content.decode()
    assert ">18<" in page and ">17<" in page

# -- withdrawing a correction ------------------------------------------------------------------------


def _cancel(submission, user, reason="De cijfers klopten toch"):
    return corrections.cancel_correction(edition_id=submission.edition_id, user=user, reason=reason)


def _value(submission) -> Value:
    return Value.objects.get(submission=submission, indicator__code=CTRL, row=CELL[1], col=CELL[2])


def test_it_puts_back_the_published_figure_and_state(published, vera, alice):
    rotterdam, __ = published
    _open(rotterdam, vera)
    _save(rotterdam, alice, 15)
    assert _cancel(rotterdam, vera) == 1
    rotterdam.refresh_from_db()
    assert rotterdam.status == S.APPROVED and not rotterdam.under_correction
    assert _value(rotterdam).number == 29
    edition = Edition.objects.get(pk=rotterdam.edition_id)
    assert not edition.in_correction and edition.revision == 1 and edition.revisions.count() == 1
    assert aggregation.load_editions([2024])[2024].cell(CTRL, CELL[1:]) == Cell(number=36)


def test_it_records_who_restored_each_cell_in_the_history(published, vera, alice):
    rotterdam, __ = published
    _open(rotterdam, vera)
    _save(rotterdam, alice, 15)
    _cancel(rotterdam, vera)
    rotterdam.refresh_from_db()
    newest = Value.history.filter(submission_id=rotterdam.pk).order_by("-history_id").first()
    assert (newest.number, newest.history_user, newest.changed_in_version) == (29, vera, rotterdam.version)


def test_it_logs_the_step_and_the_audit_entry_with_the_reason(published, vera, alice):
    rotterdam, __ = published
    _open(rotterdam, vera)
    _save(rotterdam, alice, 15)
    _cancel(rotterdam, vera)
    event = SubmissionEvent.objects.filter(submission=rotterdam).first()  # newest first
    assert (event.action, event.from_status, event.to_status, event.actor) == (A.CANCEL_CORRECTION, S.DRAFT, S.APPROVED, vera)
    assert event.comment == "De cijfers klopten toch"
    entry = AuditEvent.objects.get(action="edition.correction_cancelled")
    assert entry.data["restored_cells"] == 1 and entry.data["submissions"] == [rotterdam.pk]


def test_it_locks_the_submission_again(published, vera, alice):
    rotterdam, __ = published
    _open(rotterdam, vera)
    _cancel(rotterdam, vera)
    with pytest.raises(services.SubmissionLocked):
        _save(rotterdam, alice, 16)


def test_it_makes_an_open_form_stale_when_figures_go_back(published, vera, alice):
    rotterdam, __ = published
    _open(rotterdam, vera)
    _save(rotterdam, alice, 15)
    rotterdam.refresh_from_db()
    before = rotterdam.version
    _cancel(rotterdam, vera)
    rotterdam.refresh_from_db()
    assert rotterdam.version == before + 1


def test_it_puts_back_a_not_applicable_submission_as_it_was(published, vera):
    rotterdam, __ = published
    other = Submission.objects.filter(edition=rotterdam.edition, status=S.NOT_APPLICABLE).first()
    editions.open_correction(edition_id=other.edition_id, user=vera, reason="Toch van toepassing?", submission_ids=[other.pk])
    other.refresh_from_db()
    assert other.status == S.DRAFT
    _cancel(other, vera)
    other.refresh_from_db()
    assert other.status == S.NOT_APPLICABLE and not other.under_correction


def test_it_mails_the_coordinators(published, vera, alice, django_capture_on_commit_callbacks):
    rotterdam, __ = published
    _open(rotterdam, vera)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _cancel(rotterdam, vera)
    assert [m.subject for m in mail.outbox if "Correctie ingetrokken" in m.subject]
    assert any(alice.email in m.to and "De cijfers klopten toch" in m.body for m in mail.outbox)


def test_it_needs_a_reason(published, vera):
    rotterdam, __ = published
    _open(rotterdam, vera)
    with pytest.raises(editions.EditionError, match="reden"):
        _cancel(rotterdam, vera, reason="  ")
    assert Edition.objects.get(pk=rotterdam.edition_id).in_correction


def test_it_withdraws_only_a_running_correction(published, vera):
    with pytest.raises(editions.EditionError, match="geen correctie"):
        _cancel(published[0], vera)


def test_it_lets_only_staff_withdraw(published, vera, alice):
    rotterdam, __ = published
    _open(rotterdam, vera)
    with pytest.raises(Http404):
        _cancel(rotterdam, alice)
    assert Edition.objects.get(pk=rotterdam.edition_id).in_correction


# -- the page ----------------------------------------------------------------------------------------


def _url(submission) -> str:
    return reverse("edition_correction_cancel", args=[submission.edition.year])


def test_it_shows_staff_what_goes_back(client, published, vera):
    rotterdam, __ = published
    _open(rotterdam, vera)
    client.force_login(vera)
    page = client.get(_url(rotterdam)).content.decode()
    assert "Correctie intrekken" in page and rotterdam.form.title in page
    assert _url(rotterdam) in client.get(reverse("edition_overview", args=[2024])).content.decode()


def test_it_gives_partners_404(client, published, vera, alice):
    rotterdam, __ = published
    _open(rotterdam, vera)
    client.force_login(alice)
    assert client.get(_url(rotterdam)).status_code == 404
    assert client.post(_url(rotterdam), {"reason": "Weg ermee"}).status_code == 404
    assert Edition.objects.get(pk=rotterdam.edition_id).in_correction


def test_it_asks_for_the_reason_beside_the_field(client, published, vera):
    rotterdam, __ = published
    _open(rotterdam, vera)
    client.force_login(vera)
    response = client.post(_url(rotterdam), {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert Edition.objects.get(pk=rotterdam.edition_id).in_correction


def test_it_withdraws_and_goes_back_to_the_overview(client, published, vera):
    rotterdam, __ = published
    _open(rotterdam, vera)
    client.force_login(vera)
    response = client.post(_url(rotterdam), {"reason": "Verkeerde aanlevering gekozen"})
    assert response.status_code == 302 and response["Location"] == reverse("edition_overview", args=[2024])
    assert not Edition.objects.get(pk=rotterdam.edition_id).in_correction


def test_it_sends_staff_back_when_no_correction_runs(client, published, vera):
    client.force_login(vera)
    response = client.get(_url(published[0]))
    assert response.status_code == 302
