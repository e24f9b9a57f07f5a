"""The demo's editorial texts: the printed Mensenhandelmonitor 2023, so the two can lie side by side."""

from __future__ import annotations

from pathlib import Path

import yaml

from apps.monitor import services_report
from apps.submissions.models import Edition

TEXTS_DIR = Path(__file__).resolve().parent / "demo"


def load_report_texts() -> int:
    """Read the texts of every demo report file into its edition (only while it has no texts yet)."""
    loaded = 0
    for path in sorted(TEXTS_DIR.glob("report_*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        edition = Edition.objects.filter(year=spec["year"]).first()
        if edition is not None:
            loaded += services_report.import_chapters(edition_id=edition.pk, chapters=spec["chapters"])
    return loaded
