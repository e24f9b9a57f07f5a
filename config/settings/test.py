"""Test settings: fast hashing, eager tasks, in-memory email; DATABASE_URL picks PostgreSQL in CI."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
STORAGES = {
    # Built export files (apps.monitor.models.CachedFile) stay in memory, shared by the test threads.
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "nl"
# Browser tests set this so Chromium can reach the live server without rate limits interfering.
REQUIRE_BROWSER_TESTS = env.bool("REQUIRE_BROWSER_TESTS", default=False)
# Serve static files straight from the finders; there is no collectstatic outside production.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
