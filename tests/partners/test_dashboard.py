"""The staff's start page: their work queue, each item a link to where they act."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.submissions import services
from apps.submissions.models import Edition, Submission
from apps.submissions.queue import staff_work_queue


def _submit(submission: Submission, when: datetime.datetime) -> None:
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.SUBMITTED, submitted_at=when)


@pytest.fixture
def open_edition(db) -> Edition:
    edition = services.create_edition(
        year=2024, created_by=None, deadline=timezone.localdate() + datetime.timedelta(days=30)
    )
    services.open_edition(edition=edition, opened_by=None)
    return edition


def test_it_lists_waiting_submissions_oldest_first(open_edition):
    rotterdam = Submission.objects.get(edition=open_edition, organisation__slug="gemeente-rotterdam")
    dordrecht = Submission.objects.get(edition=open_edition, organisation__slug="gemeente-dordrecht")
    now = timezone.now()
    _submit(rotterdam, now - datetime.timedelta(hours=1))
    _submit(dordrecht, now - datetime.timedelta(days=2))
    queue = staff_work_queue()
    assert [s.pk for s in queue.waiting.items] == [dordrecht.pk, rotterdam.pk]
    assert queue.waiting.items[0].review_url == reverse("review_submission", args=[dordrecht.pk])


def test_it_lists_late_submissions_only_after_the_deadline_day(open_edition):
    Edition.objects.filter(pk=open_edition.pk).update(deadline=timezone.localdate())
    assert staff_work_queue().late.total == 0  # the deadline day itself is not late
    Edition.objects.filter(pk=open_edition.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    queue = staff_work_queue()
    assert queue.late.total == Submission.objects.filter(edition=open_edition).count()


def test_it_lists_drafts_with_unexplained_warnings(open_edition):
    rotterdam = Submission.objects.get(edition=open_edition, organisation__slug="gemeente-rotterdam")
    Submission.objects.filter(pk=rotterdam.pk).update(open_findings=2)
    assert [s.pk for s in staff_work_queue().unexplained.items] == [rotterdam.pk]


def test_it_offers_an_open_edition_past_its_deadline_to_close(open_edition):
    assert staff_work_queue().editions_to_close == []
    Edition.objects.filter(pk=open_edition.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    (item,) = staff_work_queue().editions_to_close
    assert item.edition == open_edition
    assert item.url == reverse("edition_overview", args=[2024])


def test_it_offers_an_edition_with_everything_approved_to_close(open_edition):
    Submission.objects.filter(edition=open_edition).update(status=Submission.Status.APPROVED)
    assert [e.edition for e in staff_work_queue().editions_to_close] == [open_edition]


def test_it_leaves_published_editions_out_of_the_queue(open_edition):
    Submission.objects.filter(edition=open_edition).update(status=Submission.Status.SUBMITTED, submitted_at=timezone.now())
    Edition.objects.filter(pk=open_edition.pk).update(status=Edition.Status.PUBLISHED)
    assert staff_work_queue().is_empty


def test_it_shows_the_queue_to_staff_with_links(client, vera, open_edition):
    rotterdam = Submission.objects.get(edition=open_edition, organisation__slug="gemeente-rotterdam")
    _submit(rotterdam, timezone.now())
    client.force_login(vera)
    response = client.get(reverse("staff_home"))
    assert response.status_code == 200
    assert reverse("review_submission", args=[rotterdam.pk]) in response.content.decode()


def test_it_hides_the_queue_from_partners(client, alice, open_edition):
    client.force_login(alice)
    assert client.get(reverse("staff_home")).status_code == 404
