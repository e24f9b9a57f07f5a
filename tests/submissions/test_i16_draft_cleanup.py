"""Input kept after a session ended (DraftStash) is deleted once nobody came back for it in time."""

from __future__ import annotations

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from apps.submissions import drafts
from apps.submissions.models import DraftStash
from apps.submissions.tasks import delete_unclaimed_drafts

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 3, 41))


def _stash(user, submission, *, age: datetime.timedelta) -> DraftStash:
    return DraftStash.objects.create(user=user, submission=submission, data={"version": ["1"]}, created_at=NOW - age)


@pytest.fixture
def retention(settings) -> datetime.timedelta:
    settings.DRAFT_STASH_RETENTION_DAYS = 30
    return datetime.timedelta(days=30)


def test_it_deletes_a_stash_older_than_the_retention(alice, submission_a, retention):
    _stash(alice, submission_a, age=retention + datetime.timedelta(days=1))

    assert drafts.delete_unclaimed(now=NOW) == 1
    assert not DraftStash.objects.exists()


def test_it_keeps_a_recent_stash(alice, submission_a, retention):
    _stash(alice, submission_a, age=datetime.timedelta(days=2))

    assert drafts.delete_unclaimed(now=NOW) == 0
    assert DraftStash.objects.count() == 1


def test_it_keeps_a_stash_exactly_as_old_as_the_retention(alice, submission_a, retention):
    _stash(alice, submission_a, age=retention)

    assert drafts.delete_unclaimed(now=NOW) == 0
    assert DraftStash.objects.count() == 1


def test_it_deletes_a_stash_a_second_past_the_retention(alice, submission_a, retention):
    _stash(alice, submission_a, age=retention + datetime.timedelta(seconds=1))

    assert drafts.delete_unclaimed(now=NOW) == 1


def test_it_deletes_only_the_old_ones(alice, bob, submission_a, retention):
    _stash(alice, submission_a, age=retention + datetime.timedelta(days=5))
    kept = _stash(bob, submission_a, age=datetime.timedelta(hours=1))

    assert drafts.delete_unclaimed(now=NOW) == 1
    assert list(DraftStash.objects.all()) == [kept]


def test_it_follows_the_setting(settings, alice, submission_a):
    settings.DRAFT_STASH_RETENTION_DAYS = 7
    _stash(alice, submission_a, age=datetime.timedelta(days=8))

    assert drafts.delete_unclaimed(now=NOW) == 1


def test_it_starts_the_retention_again_when_the_input_is_stashed_anew(alice, submission_a, retention):
    _stash(alice, submission_a, age=retention + datetime.timedelta(days=3))
    post = QueryDict(mutable=True)
    post.update({"version": "1", drafts.OWNER_FIELD: drafts.owner_token(user_id=alice.pk, submission_id=submission_a.pk)})

    drafts.stash_post(post=post, submission_id=submission_a.pk)

    assert drafts.delete_unclaimed() == 0
    assert DraftStash.objects.count() == 1


def test_it_runs_as_a_nightly_beat_task(settings, alice, submission_a, retention):
    job = settings.CELERY_BEAT_SCHEDULE["delete-unclaimed-drafts"]
    assert job["task"] == delete_unclaimed_drafts.name
    _stash(alice, submission_a, age=datetime.timedelta(days=400))
    # Run as beat runs it (eager in tests): with the real clock, so a year-old stash goes.
    assert delete_unclaimed_drafts.delay().get() == 1
