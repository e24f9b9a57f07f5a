"""A contributor hands the draft to the coordinators: an event, an audit entry and a mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.partners.models import AuditEvent
from apps.submissions import handoff, services
from apps.submissions.models import Submission, SubmissionEvent


def test_it_hands_off_with_an_event_an_audit_entry_and_a_mail(submission_a, alice, bob, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event = handoff.mark_ready_for_coordinator(submission_id=submission_a.pk, user=bob, note="Alles staat erin.")
    assert event.action == SubmissionEvent.Action.READY
    submission_a.refresh_from_db()
    assert submission_a.status == Submission.Status.DRAFT  # no status of its own
    assert AuditEvent.objects.filter(object_id=str(submission_a.pk), data__handoff=True).count() == 1
    (message,) = mail.outbox
    assert message.to == [alice.email]
    assert "Alles staat erin." in message.body


@pytest.mark.parametrize("who", ["alice", "vic", "vera"])
def test_it_lets_only_contributors_hand_off(request, submission_a, who):
    with pytest.raises(PermissionDenied):
        handoff.mark_ready_for_coordinator(submission_id=submission_a.pk, user=request.getfixturevalue(who))


def test_it_refuses_a_hand_off_once_submitted(submission_a, alice, bob):
    services.transition(submission_id=submission_a.pk, action=services.Action.SUBMIT, user=alice)
    with pytest.raises(services.TransitionNotAllowed):
        handoff.mark_ready_for_coordinator(submission_id=submission_a.pk, user=bob)


def test_it_tells_a_contributor_why_there_is_no_submit_button(client, submission_a, alice, bob):
    client.force_login(bob)
    html = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    assert 'data-testid="handoff"' in html
    assert "Als invoerder dient u niet zelf in" in html and alice.get_full_name() in html
    assert "Indienen bij de VAR" not in html


def test_it_offers_the_coordinator_no_hand_off(client, submission_a, alice):
    client.force_login(alice)
    assert 'data-testid="handoff"' not in client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()


def test_it_hands_off_through_the_button(client, submission_a, bob):
    client.force_login(bob)
    response = client.post(reverse("submission_ready", args=[submission_a.pk]), {"note": ""})
    assert response["Location"] == reverse("submission_form", args=[submission_a.pk])
    assert SubmissionEvent.objects.filter(submission=submission_a, action=SubmissionEvent.Action.READY).exists()


def test_it_hides_the_hand_off_from_outsiders(client, submission_a, charlie):
    client.force_login(charlie)
    assert client.post(reverse("submission_ready", args=[submission_a.pk])).status_code == 404
