"""What /healthz/ checks: the database, the cache, the Celery broker and a worker.

django-health-check supplies the database and cache checks and the worker ping; the broker check is
ours because the broker may be Redis or RabbitMQ (kombu speaks both).
"""

from __future__ import annotations

import dataclasses
import datetime

import celery
from django.conf import settings
from health_check import Cache, Database, HealthCheck
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable

# Short on purpose: the compose health check gives the whole request 10 seconds.
BROKER_TIMEOUT = datetime.timedelta(seconds=3)
WORKER_TIMEOUT = datetime.timedelta(seconds=2)


@dataclasses.dataclass
class Broker(HealthCheck):
    """Open (and close) one connection to the Celery broker."""

    timeout: datetime.timedelta = dataclasses.field(default=BROKER_TIMEOUT, repr=False)

    def run(self) -> None:
        try:
            with _app().connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, timeout=self.timeout.total_seconds())
        except Exception as error:  # kombu raises the transport's own errors (redis, amqp, OSError)
            raise ServiceUnavailable(f"Broker unreachable ({type(error).__name__})") from error


def _app() -> celery.Celery:
    from config.celery import app

    return app


@dataclasses.dataclass
class Worker(Ping):
    """At least one worker answers `celery inspect ping` and consumes the default queue."""

    app: celery.Celery = dataclasses.field(default_factory=_app, repr=False)


def checks() -> list[tuple[type[HealthCheck], dict]]:
    """(check, options) for the settings in use; with eager tasks there is no broker or worker to check."""
    found: list[tuple[type[HealthCheck], dict]] = [(Database, {}), (Cache, {})]
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        found += [(Broker, {}), (Worker, {"timeout": WORKER_TIMEOUT})]
    return found
