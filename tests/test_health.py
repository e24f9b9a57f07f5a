"""/healthz/: database, cache, broker and worker; 503 naming the check that fails. Beat's heartbeat."""

from __future__ import annotations

import json
import time

import pytest

from config import heartbeat

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _health(client):
    return client.get("/healthz/", HTTP_ACCEPT="text/plain")


@pytest.fixture
def celery_app():
    """The project's Celery app with its broker connections forgotten before and after the test."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def forget_connections():
        app._pool = None
        app.amqp._producer_pool = None

    forget_connections()
    yield app
    app.conf.update(saved)
    forget_connections()


@pytest.fixture
def with_broker(settings, celery_app):
    """Production's mode: tasks go to a broker (the tests otherwise run them eagerly)."""

    def use(url: str):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        celery_app.conf.update(broker_url=url, task_always_eager=False)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        return celery_app

    return use


def test_it_answers_the_health_check_anonymously(client, db):
    response = _health(client)

    assert response.status_code == 200
    assert response.content.decode().splitlines() == ["Database(alias='default'): OK", "Cache(alias='default'): OK"]
    assert "no-cache" in response["Cache-Control"]


def test_it_reports_each_check_as_json(client, db):
    response = client.get("/healthz/?format=json")

    assert response.status_code == 200
    assert response.json() == {"Database(alias='default')": "OK", "Cache(alias='default')": "OK"}


def test_it_answers_503_when_the_cache_is_unreachable(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}

    response = _health(client)

    assert response.status_code == 503
    assert "Cache(alias='default'): Unexpected Result: Connection Error" in response.content.decode()


def test_it_answers_503_when_the_broker_is_unreachable(client, db, with_broker):
    with_broker(CLOSED_PORT)

    response = _health(client)

    assert response.status_code == 503
    body = response.content.decode()
    assert "Broker(): Unavailable: Broker unreachable" in body
    assert "Database(alias='default'): OK" in body


@pytest.mark.integration
def test_it_answers_503_when_no_worker_answers(client, db, with_broker, redis_db):
    with_broker(redis_db)

    response = _health(client)

    assert response.status_code == 503
    body = response.content.decode()
    assert "Broker(): OK" in body
    assert "Worker(): Unavailable: Celery workers unavailable" in body


@pytest.mark.integration
def test_it_answers_200_while_a_worker_answers(client, db, with_broker, redis_db):
    from celery.contrib.testing.worker import start_worker

    app = with_broker(redis_db)
    with start_worker(app, perform_ping_check=False, loglevel="WARNING"):
        response = _health(client)

    assert response.status_code == 200, response.content
    assert "Worker(): OK" in response.content.decode()


def test_it_writes_the_beat_heartbeat_with_the_schedule_on_every_tick(tmp_path, celery_app):
    from config.celery import HeartbeatScheduler

    path = tmp_path / "heartbeat"
    celery_app.conf.beat_heartbeat_file = str(path)
    try:
        scheduler = HeartbeatScheduler(app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=False)
        interval = scheduler.tick()
    finally:
        celery_app.conf.beat_heartbeat_file = ""

    beat = json.loads(path.read_text())
    assert beat["entries"]["deadline-reminders"] == "apps.submissions.tasks.send_deadline_reminders"
    assert time.time() - beat["time"] < 60
    assert 0 < interval <= 60  # CELERY_BEAT_MAX_LOOP_INTERVAL: the heartbeat is never older than a minute


def test_it_calls_beat_healthy_only_with_a_recent_heartbeat(tmp_path, capsys):
    path = tmp_path / "heartbeat"
    assert heartbeat.main(["heartbeat", str(path), "180"]) == 1  # none yet

    heartbeat.write(path, {"deadline-reminders": "apps.submissions.tasks.send_deadline_reminders"})
    assert heartbeat.main(["heartbeat", str(path), "180"]) == 0

    path.write_text(json.dumps({"time": time.time() - 181, "entries": {}}))
    assert heartbeat.main(["heartbeat", str(path), "180"]) == 1
    assert "last beat 181 s ago" in capsys.readouterr().out
