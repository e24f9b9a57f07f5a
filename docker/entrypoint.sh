#!/usr/bin/env bash
# Entrypoint of the Mensenhandelmonitor image (and of a host without Docker, see docs/deployment.md).
#
#   migrate  apply database migrations and exit (compose's one-shot `migrate` service)
#   web      apply migrations (a no-op after `migrate`), then serve with gunicorn (config/gunicorn.py)
#   worker   Celery worker
#   beat     Celery beat (periodic tasks); writes CELERY_BEAT_HEARTBEAT_FILE on every tick
#   other    executed as given, e.g. `python manage.py create_admin someone@example.org`
set -euo pipefail

# /app in the image; the checkout (or the tree docker/imitate.py builds) elsewhere.
cd "$(dirname "$0")/.."

case "${1:-web}" in
    migrate)
        shift
        exec python manage.py migrate --noinput "$@"
        ;;
    web)
        shift || true
        python manage.py migrate --noinput
        exec gunicorn -c python:config.gunicorn config.wsgi:application "$@"
        ;;
    worker)
        shift
        exec celery -A config worker -l info "$@"
        ;;
    beat)
        shift
        exec celery -A config beat -l info --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
