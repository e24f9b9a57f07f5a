"""The benchmark's report: markdown printed as it is measured and written to a file at the end."""

from __future__ import annotations

from pathlib import Path


class Report:
    def __init__(self, out, path: Path | None) -> None:
        self.out = out
        self.path = path
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        self.lines.append(text)
        self.out(text)

    def section(self, title: str) -> None:
        self.line()
        self.line(f"## {title}")
        self.line()

    def table(self, header: list[str], rows: list[list]) -> None:
        self.line("| " + " | ".join(header) + " |")
        self.line("|" + "---|" * len(header))
        for row in rows:
            self.line("| " + " | ".join(str(c) for c in row) + " |")
        self.line()

    def save(self) -> None:
        if self.path is not None:
            self.path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
