"""Evaluate the catalogue's data-quality rules on a set of figures.

Rules are data (`Rule` rows); this module only knows the generic kinds. Findings carry a stable
key so a partner's explanation stays attached to its warning across saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from apps.submissions.grid import CellKey, Grid
from apps.submissions.models import Indicator, Rule

Figures = Mapping[tuple[str, str, str], int | None]  # (indicator code, row, col) -> count or None


@dataclass(frozen=True)
class Finding:
    key: str
    severity: str
    indicator_code: str
    message: str
    cells: tuple[CellKey, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == Rule.Severity.ERROR


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def grand_total(grid: Grid, figures: Figures) -> int | None:
    """The indicator's overall total: its total cell, else the sum of its parts when all are known."""
    code = grid.indicator.code
    key = grid.grand_total_key()
    if key is not None and figures.get((code, *key)) is not None:
        return figures[(code, *key)]
    parts = [figures.get((code, *k)) for k in grid.part_keys()]
    if parts and all(p is not None for p in parts):
        return sum(parts)
    return None


def _check_sum(grid: Grid, rule: Rule, figures: Figures) -> Iterable[Finding]:
    code = grid.indicator.code
    for total_key, parts in grid.totals:
        total = figures.get((code, *total_key))
        known = [figures[(code, *p)] for p in parts if figures.get((code, *p)) is not None]
        if total is None or not known:
            continue
        subtotal = sum(known)
        label = grid.label_of(total_key)
        if len(known) == len(parts) and subtotal != total:
            message = _("%(label)s: het totaal (%(total)s) is niet gelijk aan de som van de delen (%(sum)s).")
        elif subtotal > total:
            message = _("%(label)s: de ingevulde delen (samen %(sum)s) zijn meer dan het totaal (%(total)s).")
        else:
            continue
        yield Finding(
            key=f"sum:{code}:{total_key[0]}:{total_key[1]}",
            severity=rule.severity,
            indicator_code=code,
            message=message % {"label": label, "total": _fmt(total), "sum": _fmt(subtotal)},
            cells=(total_key, *parts),
        )


def _check_part_le_total(grid: Grid, rule: Rule, figures: Figures) -> Iterable[Finding]:
    code = grid.indicator.code
    for total_key, parts in grid.totals:
        total = figures.get((code, *total_key))
        if total is None:
            continue
        for part in parts:
            value = figures.get((code, *part))
            if value is not None and value > total:
                yield Finding(
                    key=f"part:{code}:{part[0]}:{part[1]}",
                    severity=rule.severity,
                    indicator_code=code,
                    message=_("%(label)s (%(value)s) is groter dan het totaal %(total_label)s (%(total)s).")
                    % {
                        "label": grid.label_of(part),
                        "value": _fmt(value),
                        "total_label": grid.label_of(total_key),
                        "total": _fmt(total),
                    },
                    cells=(part, total_key),
                )


def _check_yoy(grid: Grid, rule: Rule, figures: Figures, previous: Figures, previous_year: int | None) -> Iterable[Finding]:
    code = grid.indicator.code
    min_pct = float(rule.params.get("min_pct", 50))
    min_abs = int(rule.params.get("min_abs", 10))
    for key in grid.keys():
        new = figures.get((code, *key))
        old = previous.get((code, *key))
        if new is None or old is None:
            continue
        diff = abs(new - old)
        if diff > min_abs and (old == 0 or diff * 100 / old > min_pct):
            yield Finding(
                key=f"yoy:{code}:{key[0]}:{key[1]}",
                severity=rule.severity,
                indicator_code=code,
                message=_("%(label)s: sterke verandering ten opzichte van %(year)s (%(old)s → %(new)s).")
                % {"label": grid.label_of(key), "year": previous_year or _("vorig jaar"), "old": _fmt(old), "new": _fmt(new)},
                cells=(key,),
            )


def _check_equal_total(grid: Grid, rule: Rule, figures: Figures, grids: Mapping[str, Grid]) -> Iterable[Finding]:
    other = grids.get(rule.params.get("other", ""))
    if other is None:
        return
    mine, theirs = grand_total(grid, figures), grand_total(other, figures)
    if mine is not None and theirs is not None and mine != theirs:
        yield Finding(
            key=f"equal:{grid.indicator.code}:{other.indicator.code}",
            severity=rule.severity,
            indicator_code=grid.indicator.code,
            message=_("%(label)s telt op tot %(mine)s, maar %(other)s heeft als totaal %(theirs)s.")
            % {
                "label": grid.indicator.label,
                "mine": _fmt(mine),
                "other": other.indicator.label,
                "theirs": _fmt(theirs),
            },
        )


def evaluate(
    *,
    grids: Mapping[str, Grid],
    rules: Iterable[Rule],
    figures: Figures,
    previous: Figures | None = None,
    previous_year: int | None = None,
) -> list[Finding]:
    """Return every finding of the rules on these figures, errors first."""
    findings: list[Finding] = []
    previous = previous or {}
    by_id = {grid.indicator.pk: grid for grid in grids.values()}
    for rule in rules:
        grid = by_id.get(rule.indicator_id)
        if grid is None or grid.indicator.kind != Indicator.Kind.COUNT:
            continue
        if rule.kind == Rule.Kind.SUM:
            findings.extend(_check_sum(grid, rule, figures))
        elif rule.kind == Rule.Kind.PART_LE_TOTAL:
            findings.extend(_check_part_le_total(grid, rule, figures))
        elif rule.kind == Rule.Kind.YEAR_OVER_YEAR:
            findings.extend(_check_yoy(grid, rule, figures, previous, previous_year))
        elif rule.kind == Rule.Kind.EQUAL_TOTAL:
            findings.extend(_check_equal_total(grid, rule, figures, grids))
    findings.sort(key=lambda f: (not f.is_error,))
    return _one_per_mismatch(findings)


def _one_per_mismatch(findings: list[Finding]) -> list[Finding]:
    """One finding per mismatch: each needs its own explanation, so a duplicate is a chore.

    A part above its total also makes the parts' sum exceed that total: keep the specific
    finding (which part) and drop the sum's, unless only the sum's is an error. A key seen twice
    (a grand total checked as row and as column sum) is kept once.
    """
    parts_over: dict[tuple[str, CellKey], Finding] = {
        (f.indicator_code, f.cells[1]): f for f in findings if f.key.startswith("part:") and len(f.cells) == 2
    }
    seen: set[str] = set()
    result = []
    for f in findings:
        if f.key in seen:
            continue
        if f.key.startswith("sum:") and f.cells:
            part = parts_over.get((f.indicator_code, f.cells[0]))
            if part is not None and (part.is_error or not f.is_error):
                continue
        seen.add(f.key)
        result.append(f)
    return result
