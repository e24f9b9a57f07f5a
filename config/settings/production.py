"""Production: every secret comes from the environment, without defaults."""

from email.utils import getaddresses

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from . import base as base_settings
from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
# Links in emails (invitations, reminders) point here; a wrong default would send people to localhost.
SITE_URL = env("SITE_URL").rstrip("/")
VAR_CONTACT_EMAIL = env("VAR_CONTACT_EMAIL")
# Encrypts the TOTP secrets at rest; a Fernet key (`python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`). Never the development default.
MFA_ENCRYPTION_KEY = env("MFA_ENCRYPTION_KEY")
if MFA_ENCRYPTION_KEY == base_settings._DEV_MFA_ENCRYPTION_KEY:
    raise ImproperlyConfigured("MFA_ENCRYPTION_KEY mag niet de ontwikkelsleutel zijn.")
try:
    Fernet(MFA_ENCRYPTION_KEY)
except ValueError:
    raise ImproperlyConfigured("MFA_ENCRYPTION_KEY moet een Fernet-sleutel zijn (32 bytes, base64).") from None
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY moet minstens 50 tekens lang zijn.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The login rate limits of allauth count in the cache: it must be shared by all processes, so a
# per-process memory cache (or none) is refused rather than silently limiting nothing.
CACHES = {"default": env.cache("CACHE_URL")}
if CACHES["default"]["BACKEND"].rsplit(".", 1)[-1] in ("LocMemCache", "DummyCache"):
    raise ImproperlyConfigured("CACHE_URL moet een gedeelde cache zijn (redis://...), geen geheugencache per proces.")
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
# Export progress is read from the task's state: a result backend shared by web and worker.
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = False

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Errors reach someone: Django mails every server error (500) to ADMINS ("Name <address>, ...").
ADMINS = [(name, address) for name, address in getaddresses([env("ADMINS")]) if address]
if not ADMINS:
    raise ImproperlyConfigured("ADMINS moet minstens één e-mailadres bevatten (Naam <adres>, ...).")

# Optional error reporting to Sentry (also Celery task failures); off unless SENTRY_DSN is set.
# No personal data leaves the application: send_default_pii stays off.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Behind the reverse proxy (docs/deployment.md): it terminates TLS and sends X-Forwarded-Proto and
# X-Forwarded-For. The login rate limits count per client address, taken from X-Forwarded-For
# through this many proxies (0 when nothing sits in front, which the docs do not recommend).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
