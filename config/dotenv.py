"""Which settings module a process uses, decided before Django starts.

manage.py, config/wsgi.py and config/celery.py call `use_settings_module()`: a DJANGO_SETTINGS_MODULE
line in .env counts as much as one in the environment, so a host without Docker that keeps its
configuration in .env does not silently run the development settings (DEBUG on) against the
production database. When both say something and they differ, the settings refuse to load.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VARIABLE = "DJANGO_SETTINGS_MODULE"


def env_file() -> Path:
    """The .env file read by the settings (ENV_FILE points elsewhere, e.g. for systemd or tests)."""
    return Path(os.environ.get("ENV_FILE") or BASE_DIR / ".env")


def dotenv_value(name: str, path: Path | None = None) -> str | None:
    """The value of `name` in the .env file, or None (same KEY=value format django-environ reads)."""
    path = path or env_file()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        line = line.strip()
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        if sep and key.strip() == name:
            return value.strip().strip("'\"") or None
    return None


def use_settings_module(default: str) -> None:
    """Set DJANGO_SETTINGS_MODULE from the environment, else from .env, else `default`."""
    os.environ.setdefault(VARIABLE, dotenv_value(VARIABLE) or default)


PRODUCTION = "config.settings.production"


def settings_module_conflict(in_use: str) -> str | None:
    """A message when .env and the environment disagree about production settings, else None.

    Only a disagreement involving production counts: development settings (or the test settings)
    against a production .env would run with DEBUG on or against the production database, and a
    production process on a development .env is just as surely a mistake. A developer's .env that
    names config.settings.local does not stop `pytest` (config.settings.test).
    """
    wanted = dotenv_value(VARIABLE)
    if wanted and wanted != in_use and PRODUCTION in (wanted, in_use):
        return (
            f"{VARIABLE} is '{in_use}' in the environment but '{wanted}' in {env_file()}. "
            f"Make them agree (or remove one of them) before starting."
        )
    return None
