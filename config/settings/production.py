"""Production: every secret comes from the environment, without defaults."""

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
# The login rate limits of allauth count in the cache: it must be shared by all processes.
CACHES = {"default": env.cache("CACHE_URL", default=env("REDIS_URL"))}
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
