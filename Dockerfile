# syntax=docker/dockerfile:1

# ---------------------------------------------------------------------------
# Stage 1: front-end packages from the npm registry (only Bootstrap).
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS assets

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund


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
    GUNICORN_WORKERS=2

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first (read from pyproject.toml) so this layer is cached until they change.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Application code, then the project itself (editable, so its packages resolve to /app
# and there is no second copy of the code in site-packages).
COPY . .
RUN pip install --no-cache-dir --no-deps -e .

# Bootstrap, served from STATICFILES_DIRS (BASE_DIR / "node_modules" / "bootstrap" / "dist").
COPY --from=assets /app/node_modules/bootstrap/dist /app/node_modules/bootstrap/dist

# Collect static files at build time. Production settings insist on these variables; the
# values below are throwaway and exist only for this one command (nothing is connected to).
RUN SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    CACHE_URL=locmemcache://build \
    CELERY_BROKER_URL=memory:// \
    EMAIL_HOST=localhost \
    DEFAULT_FROM_EMAIL=build@localhost \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/build.sqlite3 \
    && chmod 0755 /app/docker/entrypoint.sh

# The code stays owned by root (read-only for the app); the app user only runs it.
USER app

EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Default: only serve (no migrations). docker-compose runs `web`, which migrates first.
CMD ["sh", "-c", "exec gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers \"${GUNICORN_WORKERS:-2}\" --access-logfile - --error-logfile -"]
