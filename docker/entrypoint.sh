#!/usr/bin/env bash
# Entrypoint of the Mensenhandelmonitor image.
#
#   web     apply database migrations, then serve the app with gunicorn
#   worker  Celery worker
#   beat    Celery beat (periodic tasks)
#   other   executed as given, e.g. `python manage.py create_admin someone@example.org`
set -euo pipefail

cd /app

case "${1:-web}" in
    web)
        shift || true
        python manage.py migrate --noinput
        exec gunicorn config.wsgi:application \
            --bind 0.0.0.0:8000 \
            --workers "${GUNICORN_WORKERS:-2}" \
            --access-logfile - \
            --error-logfile - \
            "$@"
        ;;
    worker)
        shift
        exec celery -A config worker -l info "$@"
        ;;
    beat)
        shift
        exec celery -A config beat -l info --schedule /tmp/celerybeat-schedule "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
