"""Celery application: tasks take ids and call services."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("mensenhandelmonitor")
# Every thread (Django's request threads, test threads) must use this configured app, not a
# blank fallback that would talk to a broker nobody configured.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
