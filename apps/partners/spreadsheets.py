"""Text for spreadsheet cells that a spreadsheet never runs as a formula (OWASP CSV injection).

One guard for every CSV the application writes (raw data, overview, audit log, open data).
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; None is empty."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
