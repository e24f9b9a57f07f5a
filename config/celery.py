"""Celery application: tasks take ids and call services."""

from celery import Celery
from celery.beat import PersistentScheduler

from config import heartbeat
from config.dotenv import use_settings_module

# As manage.py and wsgi.py: the environment, else .env, else development settings.
use_settings_module("config.settings.local")

app = Celery("mensenhandelmonitor")
# Every thread (Django's request threads, test threads) must use this configured app, not a
# blank fallback that would talk to a broker nobody configured.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class HeartbeatScheduler(PersistentScheduler):
    """Beat's usual scheduler that also writes CELERY_BEAT_HEARTBEAT_FILE on every tick.

    Beat has no health endpoint; the file's age says it is alive (beat ticks at least every
    CELERY_BEAT_MAX_LOOP_INTERVAL seconds) and its contents which schedule it loaded.
    """

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        path = self.app.conf.beat_heartbeat_file
        if path:
            heartbeat.write(path, {name: entry.task for name, entry in self.schedule.items()})
        return interval
