"""The English interface is complete: every Dutch string is extracted and translated.

Reads locale/en/LC_MESSAGES/django.po as text (no gettext tools needed) and the Python sources.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def _entries(text: str) -> list[dict]:
    """msgid, msgstr(s) and flags of each live entry (obsolete "#~" entries are left out)."""
    entries, current, field = [], None, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current is not None:
                entries.append(current)
            current, field = None, None
            continue
        if line.startswith("#~"):
            current = None if current is None or not current["fields"] else current
            continue
        current = current or {"flags": set(), "fields": {}}
        if line.startswith("#,"):
            current["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := re.match(r'^(msgid|msgid_plural|msgctxt|msgstr(?:\[\d+\])?) "(.*)"$', line):
            field = match.group(1)
            current["fields"][field] = match.group(2)
        elif line.startswith('"') and field:
            current["fields"][field] += line[1:-1]
    return [e for e in entries if "msgid" in e["fields"]]


def test_it_translates_every_string_of_the_english_catalogue():
    missing = []
    for entry in _entries(PO.read_text(encoding="utf-8")):
        fields = entry["fields"]
        if fields["msgid"] == "":
            continue  # the header
        translations = [v for k, v in fields.items() if k.startswith("msgstr")]
        if "fuzzy" in entry["flags"] or not translations or not all(translations):
            missing.append(fields["msgid"])
    assert not missing, f"{len(missing)} strings without an English translation, e.g. {missing[:5]}"


def _gettext_inside_f_strings(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.JoinedStr):
            continue
        for value in node.values:
            if not isinstance(value, ast.FormattedValue):
                continue
            for inner in ast.walk(value.value):
                if isinstance(inner, ast.Call) and getattr(inner.func, "id", getattr(inner.func, "attr", "")) in GETTEXT:
                    lines.append(node.lineno)
    return lines


def test_it_keeps_translated_strings_out_of_f_strings():
    # xgettext (makemessages) does not look inside f-strings: such a string never reaches the
    # catalogue and stays Dutch on the English pages.
    found = {}
    for path in sorted((ROOT / "apps").rglob("*.py")):
        if lines := _gettext_inside_f_strings(path):
            found[str(path.relative_to(ROOT))] = lines
    assert not found, f"gettext inside an f-string (move it to a variable first): {found}"
