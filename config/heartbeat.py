"""Celery beat's heartbeat file: written on every tick, read by the health checks of compose/systemd.

    python -m config.heartbeat /tmp/celerybeat-heartbeat 180   # exit 0 if beat ticked in the last 180 s

The file is JSON: the time of the last tick and the schedule beat runs ({entry name: task name}).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def write(path: str | Path, entries: dict[str, str]) -> None:
    """Replace the file atomically, so a reader never sees half of it."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"time": time.time(), "entries": entries}), encoding="utf-8")
    os.replace(temporary, path)


def read(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def problem(path: str | Path, max_age: float) -> str | None:
    """Why beat counts as unhealthy, or None."""
    try:
        beat = read(path)
    except (OSError, ValueError) as error:
        return f"no heartbeat in {path}: {error}"
    age = time.time() - beat["time"]
    if age > max_age:
        return f"last beat {age:.0f} s ago (more than {max_age:.0f} s)"
    return None


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else os.environ.get("CELERY_BEAT_HEARTBEAT_FILE", "")
    max_age = float(argv[2]) if len(argv) > 2 else 180.0
    message = problem(path, max_age) if path else "CELERY_BEAT_HEARTBEAT_FILE is not set"
    print(message or "beat ok")
    return 1 if message else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
