import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.partners.models import AuditEvent
from apps.submissions import services
from apps.submissions.models import TOTAL, Edition, Submission, Value

CTRL = "gem_bestuurlijke_controles"


def _save(submission, user, cells, explanations=None, version=None):
    return services.save_values(
        submission_id=submission.pk,
        user=user,
        cells={k: services.CellInput(number=v) if not isinstance(v, services.CellInput) else v for k, v in cells.items()},
        explanations=explanations or {},
        base_version=submission.version if version is None else version,
    )


def test_it_opens_an_edition_with_one_submission_per_active_organisation_and_form(edition_2024):
    subs = Submission.objects.filter(edition=edition_2024)
    # 23 municipalities (Brielle, Hellevoetsluis and Westvoorne ended in 2022), police, RIEC, ESSM, FIER, VAR.
    assert subs.filter(form__code="gemeente").count() == 23
    assert not subs.filter(organisation__slug="gemeente-brielle").exists()
    assert subs.filter(form__code="politie").count() == 1
    assert subs.count() == 28
    assert services.open_edition(edition=edition_2024, opened_by=None) == 0  # idempotent


def test_it_counts_25_municipalities_before_the_merger(db):
    edition = services.create_edition(year=2022, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    assert Submission.objects.filter(edition=edition, form__code="gemeente").count() == 25


def test_it_saves_blank_and_zero_differently(submission_a, alice):
    _save(submission_a, alice, {(CTRL, "bouwplaatsen", ""): 0, (CTRL, "misstanden", ""): None})
    assert Value.objects.get(submission=submission_a, row="bouwplaatsen").number == 0
    assert not Value.objects.filter(submission=submission_a, row="misstanden").exists()
    submission_a.refresh_from_db()
    _save(submission_a, alice, {(CTRL, "bouwplaatsen", ""): None})
    value = Value.objects.get(submission=submission_a, row="bouwplaatsen")
    assert value.number is None  # cleared, kept with its history
    assert value.history.count() == 2


def test_it_records_who_changed_what(submission_a, bob):
    changed = _save(submission_a, bob, {(CTRL, "bouwplaatsen", ""): 7})
    assert changed == 1
    submission_a.refresh_from_db()
    assert submission_a.version == 2 and submission_a.last_edited_by == bob
    event = AuditEvent.objects.get(action=AuditEvent.Action.VALUES_SAVED)
    assert event.actor == bob and event.data == {"version": 2, "cells": 1, "changes": 1}
    assert Value.objects.get(submission=submission_a, row="bouwplaatsen").history.first().history_user == bob


def test_it_ignores_cells_the_catalogue_does_not_have(submission_a, alice):
    _save(submission_a, alice, {(CTRL, "verzonnen", ""): 5, ("pol_aangiftes", TOTAL, TOTAL): 5})
    assert not Value.objects.filter(submission=submission_a).exists()


def test_it_refuses_viewers_and_outsiders(submission_a, vic, charlie):
    for user in (vic, charlie):
        with pytest.raises(PermissionDenied):
            _save(submission_a, user, {(CTRL, "bouwplaatsen", ""): 1})
    assert not Value.objects.filter(submission=submission_a).exists()


@pytest.mark.parametrize("status", [Submission.Status.APPROVED, Submission.Status.SUBMITTED])
def test_it_refuses_writes_to_a_locked_submission(submission_a, alice, vera, status):
    Submission.objects.filter(pk=submission_a.pk).update(status=status, approved_by=vera, approved_at=timezone.now(), submitted_at=timezone.now())
    submission_a.refresh_from_db()
    with pytest.raises(services.SubmissionLocked) as error:
        _save(submission_a, alice, {(CTRL, "bouwplaatsen", ""): 1})
    if status == Submission.Status.APPROVED:
        assert vera.get_full_name() in str(error.value) and "heropenen" in str(error.value)
    assert not Value.objects.filter(submission=submission_a).exists()


def test_it_refuses_writes_in_a_published_edition(submission_a, alice):
    Edition.objects.filter(pk=submission_a.edition_id).update(status=Edition.Status.PUBLISHED, published_at=timezone.now())
    with pytest.raises(services.SubmissionLocked, match="gepubliceerd"):
        _save(submission_a, alice, {(CTRL, "bouwplaatsen", ""): 1})


def test_it_refuses_a_stale_save_and_names_what_changed(submission_a, alice, bob):
    opened_at = submission_a.version
    _save(submission_a, bob, {(CTRL, "bouwplaatsen", ""): 4})
    with pytest.raises(services.StaleVersion) as error:
        _save(submission_a, alice, {(CTRL, "bouwplaatsen", ""): 9}, version=opened_at)
    assert any("Controles op bouwplaatsen" in c for c in error.value.changes)
    assert Value.objects.get(submission=submission_a, row="bouwplaatsen").number == 4


def test_it_stores_and_clears_explanations(submission_a, alice):
    _save(submission_a, alice, {}, explanations={"sum:x:_total:": "Definities verschillen."})
    assert submission_a.explanations.get().text == "Definities verschillen."
    submission_a.refresh_from_db()
    _save(submission_a, alice, {}, explanations={"sum:x:_total:": "  "})
    # The row stays (its history and version tell a stale save it was cleared), with no text.
    assert submission_a.explanations.get().text == ""


def test_it_does_not_count_an_empty_explanation_as_a_change(submission_a, alice):
    assert _save(submission_a, alice, {}, explanations={"sum:x:_total:": ""}) == 0
    submission_a.refresh_from_db()
    assert submission_a.version == 1 and not submission_a.explanations.exists()
