"""The form's reopen and return notices read from the timeline's events where it has them (issue 17)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.submissions import services
from apps.submissions.models import Submission, SubmissionEvent
from apps.submissions.review import TIMELINE_SIZE

A = SubmissionEvent.Action


@pytest.fixture
def reopened_a(submission_a, alice, vera):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    services.transition(submission_id=submission_a.pk, action=A.APPROVE, user=vera)
    services.transition(submission_id=submission_a.pk, action=A.REOPEN, user=vera, comment="Aangiftes gecorrigeerd.")
    return submission_a


def _hand_offs(submission, user, n: int) -> None:
    """Hand-offs inside the organisation: events that change nothing about a reopening."""
    SubmissionEvent.objects.bulk_create([
        SubmissionEvent(submission=submission, actor=user, action=A.READY, from_status=submission.status,
                        to_status=submission.status)
        for __ in range(n)
    ])


def _form(client, user, submission) -> str:
    client.force_login(user)
    return client.get(reverse("submission_form", args=[submission.pk])).content.decode()


def test_it_shows_the_reopen_reason_behind_more_hand_offs_than_the_timeline_shows(client, reopened_a, alice, bob):
    _hand_offs(reopened_a, bob, TIMELINE_SIZE + 3)
    html = _form(client, alice, reopened_a)
    assert 'data-testid="reopen-reason"' in html and "Aangiftes gecorrigeerd." in html


def test_it_shows_the_reopen_reason_to_a_contributor_without_a_timeline(client, reopened_a, bob):
    html = _form(client, bob, reopened_a)
    assert 'data-testid="timeline"' not in html
    assert 'data-testid="reopen-reason"' in html


def test_it_drops_the_reopen_reason_after_a_later_step(client, reopened_a, alice):
    services.transition(submission_id=reopened_a.pk, action=A.SUBMIT, user=alice)
    Submission.objects.filter(pk=reopened_a.pk).update(status=Submission.Status.DRAFT)  # a draft again, not by reopening
    assert 'data-testid="reopen-reason"' not in _form(client, alice, reopened_a)


def test_it_shows_the_return_comment_behind_more_hand_offs_than_the_timeline_shows(client, submission_a, alice, bob, vera):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    services.transition(submission_id=submission_a.pk, action=A.RETURN, user=vera, comment="Graag de totalen nakijken.")
    submission_a.refresh_from_db()
    _hand_offs(submission_a, bob, TIMELINE_SIZE + 3)
    html = _form(client, alice, submission_a)
    assert 'data-testid="return-comment"' in html and "Graag de totalen nakijken." in html
