"""Statistical disclosure control for the public export.

Primary suppression hides every count from 1 up to the threshold (exclusive). Secondary suppression
makes sure no hidden count can be recomputed as "total minus the other cells" of any line (a row or
column of a table, or an area breakdown under its region total): whenever a line whose total is
known has exactly one hidden cell, the next-smallest non-zero cell of that line is hidden too,
until nothing changes. A blank (unknown) cell is never hidden and leaves its line unusable for
recomputation, just as a hidden total does.

The algorithm is pure (ids in, ids out) so it is easy to test with random tables.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

CellId = Hashable


@dataclass(frozen=True)
class Line:
    """An equation the reader can see: total = sum(parts)."""

    parts: tuple[CellId, ...]
    total: CellId


@dataclass
class Suppression:
    primary: set[CellId] = field(default_factory=set)
    secondary: set[CellId] = field(default_factory=set)

    @property
    def hidden(self) -> set[CellId]:
        return self.primary | self.secondary

    def symbol(self, cell_id: CellId, threshold: int) -> str | None:
        if cell_id in self.primary:
            return f"<{threshold}"
        if cell_id in self.secondary:
            return "x"
        return None


def is_small(number: int | None, threshold: int) -> bool:
    return number is not None and 0 < number < threshold


def _pick(line: Line, values: Mapping[CellId, int | None], hidden: set[CellId]) -> CellId | None:
    """The next-smallest non-zero visible cell of the line (a zero only if nothing else is left)."""
    cells = [*line.parts, line.total]
    visible = [c for c in cells if c not in hidden and values.get(c) is not None]
    if not visible:
        return None
    # Smallest first; on equal values a part before the total; then a stable order.
    return min(visible, key=lambda c: (values[c] == 0, values[c], c == line.total, repr(c)))


def suppress(
    values: Mapping[CellId, int | None],
    lines: Iterable[Line],
    threshold: int,
    exempt: Iterable[CellId] = (),
) -> Suppression:
    """Hide small counts and enough other cells that none of them can be recomputed from a line."""
    exempt = set(exempt)
    lines = [line for line in lines if line.parts]
    primary = {c for c, n in values.items() if c not in exempt and is_small(n, threshold)}
    hidden = set(primary)
    changed = True
    while changed:
        changed = False
        for line in lines:
            if values.get(line.total) is None:
                continue  # no known total: nothing to subtract from
            cells = [*line.parts, line.total]
            if sum(1 for c in cells if c in hidden) != 1:
                continue
            if any(values.get(c) is None for c in cells):
                continue  # an unknown cell in the line: the hidden one cannot be recomputed
            pick = _pick(line, values, hidden)
            if pick is not None:
                hidden.add(pick)
                changed = True
    return Suppression(primary=primary, secondary=hidden - primary)


def recomputable(values: Mapping[CellId, int | None], lines: Iterable[Line], hidden: set[CellId]) -> set[CellId]:
    """Hidden cells a reader can recompute from one line: the check the property test makes."""
    found = set()
    for line in lines:
        cells = [*line.parts, line.total]
        unseen = [c for c in cells if c in hidden or values.get(c) is None]
        if len(unseen) == 1 and unseen[0] in hidden:
            found.add(unseen[0])
    return found
