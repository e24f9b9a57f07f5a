"""Expired sessions are deleted daily, live ones stay."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from apps.partners.tasks import clear_expired_sessions


def _session(key: str, expires: datetime.datetime) -> None:
    Session.objects.create(session_key=key, session_data="", expire_date=expires)


def test_it_deletes_expired_sessions_and_keeps_live_ones(db):
    now = timezone.now()
    _session("expired", now - datetime.timedelta(seconds=1))
    _session("live", now + datetime.timedelta(minutes=5))

    clear_expired_sessions()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_it_is_on_beats_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "apps.partners.tasks.clear_expired_sessions" in tasks
