"""Production settings refuse to start without their variables and pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

REQUIRED = {
    "SECRET_KEY": "k3Y-9vQ_xT7pL2mN8rB4wZ6cF1hJ5sD0gA3eU7iO9yR2tK6nM4bV8qX1zC5-",
    "ALLOWED_HOSTS": "monitor.example.org",
    "DATABASE_URL": "sqlite:////tmp/x.sqlite3",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/2",
    "EMAIL_HOST": "smtp.example.org",
    "DEFAULT_FROM_EMAIL": "Mensenhandelmonitor <noreply@monitor.example.org>",
    "SITE_URL": "https://monitor.example.org",
    "VAR_CONTACT_EMAIL": "monitor@example.org",
    "ADMINS": "Beheer VAR <beheer@example.org>",
    "MFA_ENCRYPTION_KEY": "q2V0o1dBG0pWk3cBtZlq5Qf7Y3m3yB0X9k4sXoVvK1g=",
}

# Everything the settings read that could leak in from the calling environment: CI sets DATABASE_URL,
# and the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process (which `check --deploy` rejects).
_SCRUBBED = set(REQUIRED) | {
    "REDIS_URL",
    "SENTRY_DSN",
    "ENV_FILE",
    "DEBUG",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_BACKEND",
    "TRUSTED_PROXY_COUNT",
}

# Run Django without reading a developer's BASE_DIR/.env, so only the variables given here count.
_BOOT = """
import sys
import environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
if sys.argv[1] == "setup":
    import django
    django.setup()
    from django.conf import settings
    print(*(getattr(settings, name) for name in sys.argv[2:]))
else:
    from django.core.management import execute_from_command_line
    execute_from_command_line(["manage.py", *sys.argv[1:]])
"""


def _run(*args: str, **variables: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED and not k.startswith("DJANGO_")}
    env.update(REQUIRED)
    for name, value in variables.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    env["PYTHONPATH"] = str(BASE_DIR)
    return subprocess.run(
        [sys.executable, "-c", _BOOT, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_uses_a_sixty_character_key_in_these_tests():
    assert len(REQUIRED["SECRET_KEY"]) == 60


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_it_refuses_to_start_without_a_required_variable(name):
    result = _run("setup", **{name: None})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {name} environment variable" in result.stderr


def test_it_refuses_a_short_secret_key():
    result = _run("setup", SECRET_KEY="te-kort-" * 6)  # 48 characters

    assert result.returncode != 0
    assert "SECRET_KEY moet minstens 50 tekens lang zijn." in result.stderr


def test_it_refuses_an_empty_secret_key():
    result = _run("setup", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_passes_the_deployment_checks_with_every_variable_set():
    result = _run("check", "--deploy")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
    assert "?:" not in result.stdout + result.stderr


def test_it_switches_debug_off_even_when_asked_for_it():
    result = _run("setup", "DEBUG", "SESSION_COOKIE_SECURE", "EMAIL_BACKEND", DEBUG="True")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "django.core.mail.backends.smtp.EmailBackend"]


_CONSUME = """
import sys
import django
django.setup()
from allauth.core import ratelimit
from django.test import RequestFactory
request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="203.0.113.9")
allowed = [ratelimit.consume(request, action="login_failed", key="iemand@example.org") for _ in range(int(sys.argv[1]))]
print(sum(allowed))
"""


@pytest.mark.integration
def test_it_counts_failed_logins_across_processes_in_the_production_cache(redis_db):
    """Two processes (two gunicorn workers, say) share the login limit through Redis: 5 per address."""

    def failed_logins(count: int) -> int:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED and not k.startswith("DJANGO_")}
        env |= REQUIRED | {"CACHE_URL": redis_db, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
        env["PYTHONPATH"] = str(BASE_DIR)
        result = subprocess.run(
            [sys.executable, "-c", _CONSUME, str(count)], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return int(result.stdout.split()[-1])

    assert failed_logins(3) == 3
    assert failed_logins(5) == 2  # the other process's three attempts count here too


def test_it_shares_the_production_cache_through_redis():
    result = _run("setup", "CACHES")

    assert result.returncode == 0, result.stderr
    assert "django.core.cache.backends.redis.RedisCache" in result.stdout
    assert "redis://127.0.0.1:6379/1" in result.stdout


@pytest.mark.parametrize("url", ["locmemcache://", "dummycache://"])
def test_it_refuses_a_cache_that_is_not_shared_between_processes(url):
    result = _run("setup", CACHE_URL=url)

    assert result.returncode != 0
    assert "CACHE_URL moet een gedeelde cache zijn" in result.stderr


def test_it_needs_no_redis_url_once_cache_and_broker_are_set():
    result = _run("setup", "CELERY_BROKER_URL", REDIS_URL=None)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://127.0.0.1:6379/2"]


def test_it_mails_errors_to_the_admins_from_the_environment():
    result = _run("setup", "ADMINS", ADMINS="Beheer VAR <beheer@example.org>, ops@example.org")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[('Beheer VAR', 'beheer@example.org'), ('', 'ops@example.org')]"


def test_it_refuses_admins_without_an_address():
    result = _run("setup", ADMINS=" ")

    assert result.returncode != 0
    assert "ADMINS moet minstens" in result.stderr


_SENTRY = """
import environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
import django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(client.is_active(), client.options["dsn"], client.options["send_default_pii"])
"""


def _run_code(code: str, **variables: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED and not k.startswith("DJANGO_")}
    env |= REQUIRED | {"DJANGO_SETTINGS_MODULE": "config.settings.production", "PYTHONPATH": str(BASE_DIR)}
    env |= {k: v for k, v in variables.items() if v is not None}
    return subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def test_it_reports_errors_to_sentry_only_when_a_dsn_is_set():
    dsn = "https://public@sentry.example.org/1"

    on = _run_code(_SENTRY, SENTRY_DSN=dsn)
    off = _run_code(_SENTRY)

    assert on.returncode == 0, on.stderr
    assert on.stdout.split() == ["True", dsn, "False"]
    assert off.returncode == 0, off.stderr
    assert off.stdout.split()[0] == "False"


_MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]


def _manage(*args: str, env_file: Path, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED and not k.startswith("DJANGO_")}
    env |= {"ENV_FILE": str(env_file), "PYTHONPATH": str(BASE_DIR)} | variables
    return subprocess.run([*_MANAGE, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def test_it_takes_the_settings_module_from_dotenv(tmp_path):
    """Outside Docker, `manage.py` reads .env first: production settings, not DEBUG on by default."""
    env_file = tmp_path / ".env"
    lines = [f"{key}={value}" for key, value in REQUIRED.items()]
    env_file.write_text("\n".join(["DJANGO_SETTINGS_MODULE=config.settings.production", *lines]) + "\n")

    result = _manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DEBUG, settings.SITE_URL)", env_file=env_file)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "https://monitor.example.org"]


def test_it_refuses_a_settings_module_that_disagrees_with_dotenv(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_SETTINGS_MODULE=config.settings.production\n")

    result = _manage("check", env_file=env_file, DJANGO_SETTINGS_MODULE="config.settings.local")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "'config.settings.local' in the environment but 'config.settings.production'" in result.stderr


def test_it_lets_the_tests_run_beside_a_development_dotenv(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_SETTINGS_MODULE=config.settings.local\n")

    result = _manage("check", env_file=env_file, DJANGO_SETTINGS_MODULE="config.settings.test")

    assert result.returncode == 0, result.stderr
