"""Settings shared by every environment; values come from the environment."""

from pathlib import Path

import os

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.dotenv import env_file, settings_module_conflict

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file (ENV_FILE, by default BASE_DIR/.env) fills in what the environment does not set.
env.read_env(env_file(), overwrite=False)
# Refuse to run one settings module while .env asks for another (local settings on a production host).
if _conflict := settings_module_conflict(os.environ.get("DJANGO_SETTINGS_MODULE", "")):
    raise ImproperlyConfigured(_conflict)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "csp",
    "health_check",
    "apps.health",
    "apps.partners",
    "apps.submissions",
    "apps.monitor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.partners.middleware.DutchUnlessChosenMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "apps.partners.middleware.RequireTwoFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "apps.submissions.middleware.RefuseNulInAddressMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "apps.partners.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (production sets 60 s): a new PostgreSQL connection costs ~5 ms of both
# cores' time per request. The health check (one ping on a connection's first use in a request)
# drops a connection the server closed, e.g. after a database restart, instead of failing a request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "apps.partners.passwords.MinimumLength", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# A refused form (stale CSRF token after a login in another tab) answers in Dutch and keeps the input.
CSRF_FAILURE_VIEW = "apps.submissions.session_views.csrf_failure"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email login, no self sign-up, rate limits, TOTP.
ACCOUNT_ADAPTER = "apps.partners.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_RATE_LIMIT", default="10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Mensenhandelmonitor regio Rotterdam"
# TOTP secrets and recovery-code seeds are stored encrypted (Fernet) with this key; production
# requires it from the environment (config/settings/production.py), elsewhere a fixed dev key.
MFA_ADAPTER = "apps.partners.adapters.MFAAdapter"
_DEV_MFA_ENCRYPTION_KEY = "ZGV2LW9ubHktbWZhLWtleS1uZXZlci1pbi1wcm9kISE="  # "dev-only-mfa-key-never-in-prod!!"
MFA_ENCRYPTION_KEY = env("MFA_ENCRYPTION_KEY", default=_DEV_MFA_ENCRYPTION_KEY)
# Login addresses are the VAR's to manage: nobody adds a second one to their own account.
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
# Behind N reverse proxies (each appending to X-Forwarded-For) the client is the Nth address from the
# right. One setting for allauth's rate limits and the audit log's IP address (docs/deployment.md).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# The history of figures is for reading: its "revert" form would write around the services.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dutch dates as "1 dec. 2026" (config/formats/nl); everything else from Django's nl formats.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from the npm registry (package.json) and are served from node_modules.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Built export files live here (default storage): web processes and the worker must share it.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://mensenhandelmonitor"),
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Mensenhandelmonitor <noreply@mensenhandelmonitor.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
VAR_CONTACT_EMAIL = env("VAR_CONTACT_EMAIL", default="monitor@var-rotterdam.invalid")

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
# Export progress is the task's own state (apps.monitor.jobs): kept a day in the result backend.
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Daily: reminders before the deadline (REMINDER_DAYS_BEFORE_DEADLINE) and weekly once overdue.
    "deadline-reminders": {
        "task": "apps.submissions.tasks.send_deadline_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    # Hourly: delete built export files (apps.monitor.models.CachedFile) that expired.
    "monitor-delete-expired-files": {
        "task": "apps.monitor.tasks.delete_expired_files",
        "schedule": crontab(minute=17),
    },
    # Daily: expired login sessions (the database session table would otherwise grow for ever).
    "partners-clear-expired-sessions": {
        "task": "apps.partners.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=11),
    },
    # Nightly: delete input kept after a session ended (DraftStash) older than DRAFT_STASH_RETENTION_DAYS.
    "delete-unclaimed-drafts": {
        "task": "apps.submissions.tasks.delete_unclaimed_drafts",
        "schedule": crontab(hour=3, minute=41),
    },
}
DRAFT_STASH_RETENTION_DAYS = env.int("DRAFT_STASH_RETENTION_DAYS", default=30)
# Beat wakes at least once a minute and then touches its heartbeat file (config/celery.py): that is
# how compose and systemd see it is alive, and the file lists the schedule it loaded.
CELERY_BEAT_MAX_LOOP_INTERVAL = 60
CELERY_BEAT_SCHEDULER = "config.celery:HeartbeatScheduler"
CELERY_BEAT_HEARTBEAT_FILE = env("CELERY_BEAT_HEARTBEAT_FILE", default="")
REMINDER_DAYS_BEFORE_DEADLINE = tuple(env.list("REMINDER_DAYS_BEFORE_DEADLINE", cast=int, default=[14, 3]))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# No inline scripts, no third-party origins: the app runs on a closed network.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Small counts are hidden in anything public (statistical disclosure control).
SUPPRESSION_THRESHOLD = env.int("SUPPRESSION_THRESHOLD", default=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Absolute links in emails sent outside a request (Celery tasks).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Two-factor authentication is required for VAR staff and administrators; demo accounts are exempt
# only while DEBUG is on, so a newcomer can log in to `make run` without an authenticator app.
MFA_EXEMPT_DEMO_ACCOUNTS_IN_DEBUG = True
