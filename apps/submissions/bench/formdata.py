"""The submission form as a browser sends it: every field of the page, a few figures changed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_VERSION = re.compile(r'name="version" value="(\d+)"')


class _Fields(HTMLParser):
    """Field names and values of the page's main form, as a browser would post them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}  # of the form with a version field
        self._current: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "form":
            self._current = {}
            return
        if self._current is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            if "disabled" in a:
                return
            self._current[name] = a.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "textarea" and name and "disabled" not in a:
            self._textarea = name
            self._current[name] = ""
        elif tag == "select" and name and "disabled" not in a:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._current[self._select] = a.get("value") or ""

    def handle_endtag(self, tag) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._current is not None:
            if "version" in self._current:
                self.fields = self._current
            self._current = None

    def handle_data(self, data) -> None:
        if self._textarea and self._current is not None:
            # A browser drops the one newline right after <textarea>.
            before = self._current[self._textarea]
            self._current[self._textarea] = before + (data if before else data.removeprefix("\n"))


def form_fields(html: str) -> dict[str, str]:
    """The fields of the submission form on the page (version, cells, comments, explanations, CSRF token)."""
    parser = _Fields()
    parser.feed(html)
    fields = dict(parser.fields)
    if "version" not in fields:
        raise ValueError("no submission form on the page")
    return fields


def current_version(html: str) -> str:
    match = _VERSION.search(html)
    if match is None:
        raise ValueError("no version field on the page")
    return match.group(1)


def count_fields(fields: dict[str, str]) -> list[str]:
    """The count fields (v-<indicator>-<row>-<col> with a comment field c-...): the figures a save changes.

    Yes/no cells and texts have no comment field and are posted as they are.
    """
    return sorted(
        name for name, value in fields.items()
        if name.startswith("v-") and f"c-{name[2:]}" in fields and (value == "" or value.isdigit())
    )


_ERROR = re.compile(r'class="[^"]*(?:invalid-feedback|alert-danger)[^"]*"[^>]*>(.*?)<', re.S)


def errors(html: str) -> list[str]:
    """The error messages a page shows (a refused save), for the report."""
    return [" ".join(m.split()) for m in _ERROR.findall(html) if m.strip()][:3]


def change(fields: dict[str, str], names: list[str], step: int) -> dict[str, str]:
    """The fields with `names` changed: each number one up or down (never below 0), a blank becomes a number."""
    changed = dict(fields)
    for name in names:
        value = changed[name]
        if value == "":
            changed[name] = str(step % 7)
        else:
            number = int(value)
            changed[name] = str(number + 1 if number == 0 or step % 2 == 0 else number - 1)
    return changed
