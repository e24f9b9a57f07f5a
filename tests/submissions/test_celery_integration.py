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


def test_it_builds_an_export_in_a_real_worker_and_keeps_it_in_redis(demo_data, live_worker, redis_cache, settings):
    """As in production: the web process queues, the worker builds, both meet in a Redis cache."""
    from io import BytesIO

    from django.core.cache import cache
    from openpyxl import load_workbook

    from apps.monitor import jobs
    from apps.submissions.models import Edition

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_cache}
    }
    cache.clear()
    try:
        job = jobs.job_for(Edition.objects.get(year=2023), "internal", "nl")

        assert jobs.start(job)["state"] in (jobs.QUEUED, jobs.RUNNING, jobs.READY)
        deadline = time.monotonic() + 60
        while jobs.status(job)["state"] in jobs.BUSY and time.monotonic() < deadline:
            time.sleep(0.2)

        assert jobs.status(job)["state"] == jobs.READY
        stored = jobs.cached_file(job)
        assert stored is not None
        workbook = load_workbook(BytesIO(stored.content), read_only=True)
        assert "Politie" in workbook.sheetnames
        assert jobs.start(job)["state"] == jobs.READY  # built once: asking again queues nothing
        import redis

        assert redis.Redis.from_url(redis_cache).keys(f"*{job.file_key}")  # really in Redis
    finally:
        cache.clear()
