import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.partners.models import AuditEvent
from apps.submissions import services
from apps.submissions.models import Edition, Submission, SubmissionEvent

S = Submission.Status
A = SubmissionEvent.Action
ALL_STATES = list(S)
CAST = ["alice", "bob", "vic", "charlie", "vera", "adam"]
STAFF = {"vera", "adam"}
# Who may make each move (on organisation A's submission), and from which states.
WHO = {
    A.SUBMIT: {"alice"},
    A.RETURN: STAFF,
    A.APPROVE: STAFF,
    A.REOPEN: STAFF,
    A.NOTHING_TO_REPORT: {"alice"},
    A.NOT_APPLICABLE: STAFF,
    A.RESTORE: STAFF,
}
FROM = {
    A.SUBMIT: {S.DRAFT, S.RETURNED},
    A.RETURN: {S.SUBMITTED},
    A.APPROVE: {S.SUBMITTED},
    A.REOPEN: {S.APPROVED},
    A.NOTHING_TO_REPORT: {S.DRAFT, S.RETURNED},
    A.NOT_APPLICABLE: {S.DRAFT, S.RETURNED, S.SUBMITTED, S.NOTHING_TO_REPORT},
    A.RESTORE: {S.NOTHING_TO_REPORT, S.NOT_APPLICABLE},
}
TO = {
    A.SUBMIT: S.SUBMITTED,
    A.RETURN: S.RETURNED,
    A.APPROVE: S.APPROVED,
    A.REOPEN: S.DRAFT,
    A.NOTHING_TO_REPORT: S.NOTHING_TO_REPORT,
    A.NOT_APPLICABLE: S.NOT_APPLICABLE,
    A.RESTORE: S.DRAFT,
}


def _set_status(submission, status):
    Submission.objects.filter(pk=submission.pk).update(status=status)
    submission.refresh_from_db()


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("action", list(services.TRANSITIONS))  # the hand-off (READY) is no transition
@pytest.mark.parametrize("who", CAST)
def test_it_allows_exactly_the_moves_in_the_transition_table(request, submission_a, state, action, who):
    user = request.getfixturevalue(who)
    _set_status(submission_a, state)
    allowed_role = who in WHO[action]
    allowed_state = state in FROM[action]
    call = lambda: services.transition(submission_id=submission_a.pk, action=action, user=user, comment="Reden")
    if not allowed_role:
        with pytest.raises(PermissionDenied):
            call()
    elif not allowed_state:
        with pytest.raises(services.TransitionNotAllowed):
            call()
    else:
        event = call()
        assert (event.from_status, event.to_status) == (state, TO[action])
    submission_a.refresh_from_db()
    assert submission_a.status == (TO[action] if allowed_role and allowed_state else state)
    assert (action in services.allowed_actions(user, submission_a)) == (
        allowed_role and submission_a.status in FROM[action]
    )


def test_it_runs_the_whole_cycle_with_audit_events_and_mail(submission_a, alice, vera, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    assert mail.outbox[-1].to == [vera.email] and "Ingediend" in mail.outbox[-1].subject
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(submission_id=submission_a.pk, action=A.RETURN, user=vera, comment="Controles ontbreken.",
                            item_comments=[{"indicator": "gem_bestuurlijke_controles", "text": "Vul de controles in."}])
    assert mail.outbox[-1].to == [alice.email] and "Controles ontbreken." in mail.outbox[-1].body
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(submission_id=submission_a.pk, action=A.APPROVE, user=vera)
    assert "Goedgekeurd" in mail.outbox[-1].subject
    submission_a.refresh_from_db()
    assert submission_a.status == S.APPROVED and submission_a.approved_by == vera and submission_a.is_locked
    with pytest.raises(services.SubmissionLocked, match=re.escape(vera.get_full_name())):
        services.save_values(submission_id=submission_a.pk, user=alice, cells={}, explanations={}, base_version=submission_a.version)
    services.transition(submission_id=submission_a.pk, action=A.REOPEN, user=vera, comment="Correctie politie")
    submission_a.refresh_from_db()
    assert submission_a.status == S.DRAFT
    actions = list(SubmissionEvent.objects.filter(submission=submission_a).order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["submit", "return", "submit", "approve", "reopen"]
    assert AuditEvent.objects.filter(action__startswith="submission.", object_id=str(submission_a.pk)).exclude(
        action=AuditEvent.Action.VALUES_SAVED
    ).count() == 5
    event = SubmissionEvent.objects.filter(action=A.RETURN).get()
    assert event.item_comments == [{"indicator": "gem_bestuurlijke_controles", "text": "Vul de controles in."}]
    with pytest.raises(ValueError):
        event.save()


def test_it_lets_only_one_of_two_approvals_succeed(submission_a, alice, vera, adam):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    services.transition(submission_id=submission_a.pk, action=A.APPROVE, user=vera)
    with pytest.raises(services.TransitionNotAllowed, match="al goedgekeurd"):
        services.transition(submission_id=submission_a.pk, action=A.APPROVE, user=adam)
    assert SubmissionEvent.objects.filter(action=A.APPROVE).count() == 1


@pytest.mark.parametrize("action", [A.RETURN, A.REOPEN])
def test_it_requires_a_reason_to_return_or_reopen(submission_a, alice, vera, action):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    if action == A.REOPEN:
        services.transition(submission_id=submission_a.pk, action=A.APPROVE, user=vera)
    with pytest.raises(services.TransitionNotAllowed, match="toelichting"):
        services.transition(submission_id=submission_a.pk, action=action, user=vera, comment="  ")


def test_it_refuses_to_submit_with_unexplained_warnings(police_2024, politie_coordinator):
    ig = "pol_informatieve_gesprekken"
    cells = {(ig, r, "_total"): services.CellInput(number=v) for r, v in [("seksueel", 5), ("arbeid", 5), ("crimineel", 0), ("overig", 0)]}
    cells[(ig, "_total", "_total")] = services.CellInput(number=11)
    services.save_values(submission_id=police_2024.pk, user=politie_coordinator, cells=cells, explanations={}, base_version=1)
    with pytest.raises(services.TransitionNotAllowed, match="Toelichting ontbreekt"):
        services.transition(submission_id=police_2024.pk, action=A.SUBMIT, user=politie_coordinator)
    police_2024.refresh_from_db()
    services.save_values(submission_id=police_2024.pk, user=politie_coordinator, cells={},
                         explanations={f"sum:{ig}:_total:_total": "Eén gesprek zonder vorm."}, base_version=police_2024.version)
    services.transition(submission_id=police_2024.pk, action=A.SUBMIT, user=politie_coordinator)
    police_2024.refresh_from_db()
    assert police_2024.status == S.SUBMITTED


def test_it_marks_a_submission_after_the_deadline_as_late(submission_a, alice):
    Edition.objects.filter(pk=submission_a.edition_id).update(deadline=timezone.localdate() - datetime.timedelta(days=2))
    event = services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    submission_a.refresh_from_db()
    assert event.late and submission_a.is_late


def test_it_freezes_everything_when_the_edition_is_published(submission_a, alice, vera):
    services.change_edition(edition_id=submission_a.edition_id, move="close", user=vera)
    services.change_edition(edition_id=submission_a.edition_id, move="publish", user=vera, reason="Test")
    with pytest.raises(services.TransitionNotAllowed, match="gepubliceerd"):
        services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    with pytest.raises(services.SubmissionLocked, match="gepubliceerd"):
        services.save_values(submission_id=submission_a.pk, user=alice, cells={}, explanations={}, base_version=submission_a.version)
    with pytest.raises(services.TransitionNotAllowed):
        services.change_edition(edition_id=submission_a.edition_id, move="close", user=vera)


def test_it_refuses_submitting_in_a_closed_edition(submission_a, alice, vera):
    services.change_edition(edition_id=submission_a.edition_id, move="close", user=vera)
    with pytest.raises(services.TransitionNotAllowed, match="gesloten"):
        services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)


def test_it_lets_only_staff_manage_editions(edition_2024, alice, vera):
    with pytest.raises(Exception):
        services.change_edition(edition_id=edition_2024.pk, move="close", user=alice)
    with pytest.raises(services.TransitionNotAllowed, match="vóór"):
        services.set_dates(edition_id=edition_2024.pk, user=vera, opens_on=datetime.date(2025, 3, 1), deadline=datetime.date(2025, 1, 1))
