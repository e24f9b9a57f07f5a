"""One real Celery worker against Redis (CI must run it: REQUIRE_REDIS_TESTS=1).

The broker and the cache are empty Redis databases claimed for each test (tests/redis_db.py,
REDIS_TEST_URL), never a fixed number that may hold someone else's data.
"""

import time

import pytest
from django.core import mail

from tests.conftest import claimed_redis_url, ensure_reference_data

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_broker(redis_db):
    return redis_db


@pytest.fixture
def redis_cache():
    """A second claimed database for the cache, as production keeps cache and broker apart."""
    yield from claimed_redis_url()


@pytest.fixture
def live_worker(redis_broker):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    def forget_connections():
        # Producers cache the broker they first connected to; make them pick up the test broker.
        # (Only drop the references: the pools are shared by kombu and may still serve others.)
        app._pool = None
        app.amqp._producer_pool = None

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=redis_broker, task_always_eager=False)
    forget_connections()
    try:
        with start_worker(app, perform_ping_check=False, loglevel="WARNING"):
            yield app
    finally:
        app.conf.update(saved)
        forget_connections()


def test_it_mails_staff_through_a_real_worker_when_a_partner_submits(live_worker):
    ensure_reference_data()
    from apps.partners.models import Organisation, Role
    from apps.submissions import services
    from apps.submissions.models import Submission, SubmissionEvent
    from tests.conftest import _member

    alice = _member("alice@rotterdam.invalid", Organisation.objects.get(slug="gemeente-rotterdam"), Role.COORDINATOR)
    vera = _member("vera@var.invalid", Organisation.objects.get(slug="var"), Role.REVIEWER)
    edition = services.create_edition(year=2024, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    submission = Submission.objects.get(edition=edition, organisation__slug="gemeente-rotterdam")
    mail.outbox.clear()

    event = services.transition(submission_id=submission.pk, action=SubmissionEvent.Action.SUBMIT, user=alice)

    # The task was queued on commit and runs in the worker; wait (bounded) for its mail.
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [m.to for m in mail.outbox] == [[vera.email]]
    assert f"{event.submission.form.title} 2024" in mail.outbox[0].subject


@pytest.fixture
def demo_data():
    """The demo editions, loaded before the worker starts (SQLite's in-memory test database has one writer)."""
    from apps.submissions.demo import load_demo

    ensure_reference_data()
    load_demo()


def test_it_builds_an_export_in_a_real_worker_with_its_state_in_redis(demo_data, live_worker, redis_cache, monkeypatch):
    """As in production: the web process queues, the worker builds into storage, its state is in Redis."""
    from celery.backends.redis import RedisBackend
    from openpyxl import load_workbook

    from apps.monitor import jobs
    from apps.submissions.models import Edition

    backend = RedisBackend(app=live_worker, url=redis_cache)
    monkeypatch.setattr(live_worker.tasks["apps.monitor.tasks.build_export"], "backend", backend)
    cached = jobs.start(edition=Edition.objects.get(year=2023), variant="internal", language="nl")
    assert jobs.status(cached)["state"] in (jobs.QUEUED, jobs.RUNNING, jobs.READY)
    deadline = time.monotonic() + 60
    while jobs.status(cached)["state"] in jobs.BUSY and time.monotonic() < deadline:
        time.sleep(0.2)
        cached.refresh_from_db()

    assert jobs.status(cached)["state"] == jobs.READY
    # The task's own state, in Redis: stored just after the body returns.
    while backend.get_task_meta(cached.task_id)["status"] != "SUCCESS" and time.monotonic() < deadline:
        time.sleep(0.1)
    meta = backend.get_task_meta(cached.task_id)
    assert meta["status"] == "SUCCESS" and meta["result"] == cached.size > 0
    with cached.file.open("rb") as stored:
        assert "Politie" in load_workbook(stored, read_only=True).sheetnames
    again = jobs.start(edition=Edition.objects.get(year=2023), variant="internal", language="nl")
    assert again.pk == cached.pk and again.task_id == cached.task_id  # built once: asking again queues nothing
