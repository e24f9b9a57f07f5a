"""Reopening an approved submission: the coordinators get a mail and the form shows the reason."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from apps.submissions import services
from apps.submissions.models import SubmissionEvent

A = SubmissionEvent.Action


@pytest.fixture
def approved_a(submission_a, alice, vera):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    services.transition(submission_id=submission_a.pk, action=A.APPROVE, user=vera)
    return submission_a


def _reopen(submission, vera, capture):
    mail.outbox.clear()
    with capture(execute=True):
        services.transition(submission_id=submission.pk, action=A.REOPEN, user=vera, comment="Aangiftes 2024 gecorrigeerd.")


def test_it_mails_the_coordinators_when_reopened(approved_a, alice, bob, vera, django_capture_on_commit_callbacks):
    _reopen(approved_a, vera, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == [alice.email]  # coordinators only, not the contributor
    assert message.subject.startswith("Heropend:")
    assert "Aangiftes 2024 gecorrigeerd." in message.body
    assert reverse("submission_form", args=[approved_a.pk]) in message.body


def test_it_shows_the_reopen_reason_on_the_partners_form(client, approved_a, alice, vera, django_capture_on_commit_callbacks):
    _reopen(approved_a, vera, django_capture_on_commit_callbacks)
    client.force_login(alice)
    html = client.get(reverse("submission_form", args=[approved_a.pk])).content.decode()
    assert 'data-testid="reopen-reason"' in html
    assert "Aangiftes 2024 gecorrigeerd." in html
    assert vera.get_full_name() in html


def test_it_drops_the_reopen_banner_once_submitted_again(client, approved_a, alice, vera, django_capture_on_commit_callbacks):
    _reopen(approved_a, vera, django_capture_on_commit_callbacks)
    services.transition(submission_id=approved_a.pk, action=A.SUBMIT, user=alice)
    client.force_login(alice)
    html = client.get(reverse("submission_form", args=[approved_a.pk])).content.decode()
    assert 'data-testid="reopen-reason"' not in html


def test_it_hides_the_reopened_form_from_outsiders(client, approved_a, charlie, vera, django_capture_on_commit_callbacks):
    _reopen(approved_a, vera, django_capture_on_commit_callbacks)
    client.force_login(charlie)
    assert client.get(reverse("submission_form", args=[approved_a.pk])).status_code == 404


def test_it_keeps_the_partner_notice_off_the_staff_review_page(client, submission_a, alice, vera):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    client.force_login(vera)
    html = client.get(reverse("review_submission", args=[submission_a.pk])).content.decode()
    assert "U kunt weer wijzigen als de VAR" not in html
    # The partner still reads it on the form.
    client.force_login(alice)
    assert "U kunt weer wijzigen als de VAR" in client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
