# syntax=docker/dockerfile:1
#
# One image for web, worker and beat. The build-time steps live in docker/build-steps.sh, which CI
# also runs without Docker, with exactly the environment this file gives it (docker/imitate.py reads
# the ENV lines below): keep every build-time variable in ENV or in that script, nowhere else.

# ---------------------------------------------------------------------------
# Stage 1: front-end packages from the npm registry (only Bootstrap).
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS assets

WORKDIR /app
COPY package.json package-lock.json ./
COPY docker/build-steps.sh docker/
RUN docker/build-steps.sh assets


# ---------------------------------------------------------------------------
# Stage 2: the Django application (gunicorn, Celery worker and beat).
# ---------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS app

# PYTHONPATH: the code lives in /app and must win over anything in site-packages, because
# the settings derive BASE_DIR (templates, static, node_modules) from their own location.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    GUNICORN_WORKERS=2 \
    CELERY_BEAT_SCHEDULE_FILE=/tmp/celerybeat-schedule \
    CELERY_BEAT_HEARTBEAT_FILE=/tmp/celerybeat-heartbeat

# Pango for WeasyPrint (PDF) and a font for it; nothing else from Debian.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, only from the hashed lock (`make lock` rewrites it), so this layer is cached
# until the lock changes and every build installs the same files.
COPY requirements/production.txt requirements/
RUN pip install --require-hashes --no-deps -r requirements/production.txt

# Application code, then the project itself (editable, so its packages resolve to /app and there
# is no second copy of the code in site-packages; setuptools comes from the lock).
COPY . .
RUN pip install --no-deps --no-build-isolation -e .

# Bootstrap, served from STATICFILES_DIRS (BASE_DIR / "node_modules" / "bootstrap" / "dist").
COPY --from=assets /app/node_modules/bootstrap/dist /app/node_modules/bootstrap/dist

RUN docker/build-steps.sh python \
    && chmod 0755 docker/entrypoint.sh docker/build-steps.sh

# The code stays owned by root (read-only for the app); the app user only runs it. Built export
# files go to MEDIA_ROOT, a volume shared by web and worker (docker-compose.yml).
ENV MEDIA_ROOT=/var/lib/mensenhandelmonitor/media
RUN mkdir -p /var/lib/mensenhandelmonitor/media && chown app:app /var/lib/mensenhandelmonitor/media
USER app

EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
