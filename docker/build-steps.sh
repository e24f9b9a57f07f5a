#!/usr/bin/env bash
# The image's build-time steps. The Dockerfile runs them; CI runs this same file, with exactly the
# environment the Dockerfile gives it, through docker/imitate.py (also where Docker is missing).
#
#   build-steps.sh assets   front-end packages from the npm registry into ./node_modules (stage "assets")
#   build-steps.sh python   collectstatic and the deployment checks with production settings (stage "app")
#
# compilemessages is not a step: the compiled catalogues (locale/*/LC_MESSAGES/django.mo) are committed.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:?usage: build-steps.sh assets|python}" in
    assets)
        npm ci --ignore-scripts --no-audit --no-fund
        ;;
    python)
        # Production settings insist on every variable they need. These throwaway values exist only
        # for the commands below, which connect to nothing; the containers get theirs from .env.
        SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(64))')"
        MFA_ENCRYPTION_KEY="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        export SECRET_KEY MFA_ENCRYPTION_KEY \
            ALLOWED_HOSTS=build.invalid \
            SITE_URL=https://build.invalid \
            VAR_CONTACT_EMAIL=build@build.invalid \
            ADMINS=build@build.invalid \
            DATABASE_URL=sqlite:////nonexistent/build.sqlite3 \
            CACHE_URL=redis://build.invalid:6379/1 \
            CELERY_BROKER_URL=redis://build.invalid:6379/2 \
            EMAIL_HOST=build.invalid \
            DEFAULT_FROM_EMAIL=build@build.invalid
        python manage.py collectstatic --noinput -v 0
        python manage.py check --deploy --fail-level WARNING
        ;;
    *)
        echo "usage: build-steps.sh assets|python" >&2
        exit 2
        ;;
esac
