"""Statistical disclosure control of public figures: pure functions, ids in, ids out.

The reader's view of a set of tables is modelled as integer linear algebra:

* every published number is a constant; a blank (unknown) cell, and every cell an equation refers
  to that is not published, is an unknown non-negative integer;
* every visible equation (`Line`: total = sum of parts; a grid's rows, columns and grand total,
  subregions under the region, tables that add up to one total) holds for the true values;
* a cell shown as the small-count symbol (`<5`) is known to be 1..threshold-1, a cell shown as the
  secondary symbol (`x`) is known *not* to be small: 0 or at least the threshold.

`protect()` hides the small counts (*primary*) and chooses *secondary* cells with a MILP (HiGHS
through highspy): fewest cells, then the smallest total hidden, headline figures (the top total of
a table) costing more than margins and inner cells, under linear protection constraints per line.
Each solution is then audited (below); a cell that can still be narrowed gives a cut and the MILP
is solved again. When the model is too big or does not converge, the fallback hides every free
cell of the offending equation systems, which is always at least as safe.

`audit()` is the proof: for every hidden cell, and for every group of blank cells of a line whose
sum (the line total minus its known parts) is a small count, it computes the feasible interval
over non-negative integers with HiGHS (minimise and maximise the cell subject to everything above)
and checks the protection rule (docs/monitor.md, "Disclosure control"):

* no hidden cell (other than a 0) is ever determined exactly (min < max);
* a `<t` cell keeps at least three possible values (for threshold 5: never narrowed to 1..2);
* a small count shown as `x`, and a small group of blank cells of a line (the line's total minus
  its known parts), may be the threshold or more, or else keeps three possible values.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import highspy
import numpy as np

logger = logging.getLogger(__name__)

CellId = Hashable
MAX_BINARIES = 4000  # above this, secondary suppression skips the MILP and uses the fallback
MAX_ROUNDS = 12  # audit-and-cut rounds before the fallback
MILP_SECONDS = 5.0
HEADLINE_WEIGHT = 3  # a table's top total costs three ordinary cells


@dataclass(frozen=True)
class Line:
    """An equation the reader can see: total = sum(parts)."""

    parts: tuple[CellId, ...]
    total: CellId


@dataclass
class Suppression:
    """The hidden cells of a build: `symbol(cell_id, threshold)` gives what a reader sees instead."""

    primary: set[CellId] = field(default_factory=set)
    secondary: set[CellId] = field(default_factory=set)
    small_symbol: str = ""  # "" = "<" + threshold
    secondary_symbol: str = "x"
    audited: bool = False  # True once `audit` proved the pattern safe

    @property
    def hidden(self) -> set[CellId]:
        return self.primary | self.secondary

    def symbol(self, cell_id: CellId, threshold: int) -> str | None:
        if cell_id in self.primary:
            return self.small_symbol or f"<{threshold}"
        if cell_id in self.secondary:
            return self.secondary_symbol
        return None


def is_small(number: int | None, threshold: int) -> bool:
    """A count from 1 to threshold - 1: a 5 stays visible under threshold 5, a 4 never shows."""
    return number is not None and 0 < number < threshold


# -- the reader's model ---------------------------------------------------------------------------


def _consistent(lines: Iterable[Line], values: Mapping[CellId, int | None]) -> list[Line]:
    """The lines that hold for the published values (with blanks as any non-negative number).

    A line that does not add up (incomplete figures from different organisations) tells a reader
    nothing exact, so it is left out of the model rather than making it infeasible.
    """
    result = []
    for line in lines:
        if not line.parts:
            continue
        total = values.get(line.total)
        known = [values.get(p) for p in line.parts]
        has_blank = total is None or any(v is None for v in known)
        if total is None:
            result.append(line)
            continue
        rest = total - sum(v for v in known if v is not None)
        if (has_blank and rest >= 0) or (not has_blank and rest == 0):
            result.append(line)
    return result


def residual(line: Line, values: Mapping[CellId, int | None]) -> int | None:
    """The sum of the line's blank cells as a reader works it out, or None (no blanks, or no total)."""
    total = values.get(line.total)
    known = [values.get(p) for p in line.parts]
    if total is None or all(v is not None for v in known):
        return None
    return total - sum(v for v in known if v is not None)


def _components(lines: list[Line], cells: Iterable[CellId]) -> list[tuple[list[CellId], list[Line]]]:
    """Cells linked by equations, with their lines: each is solved on its own."""
    parent: dict[CellId, CellId] = {}

    def find(c: CellId) -> CellId:
        parent.setdefault(c, c)
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for c in cells:
        find(c)
    for line in lines:
        root = find(line.total)
        for p in line.parts:
            other = find(p)
            if other != root:
                parent[other] = root
    groups: dict[CellId, list[CellId]] = defaultdict(list)
    for c in list(parent):
        groups[find(c)].append(c)
    by_root: dict[CellId, list[Line]] = defaultdict(list)
    for line in lines:
        by_root[find(line.total)].append(line)
    return [(groups[root], by_root.get(root, [])) for root in groups]


_local = threading.local()


def _highs() -> highspy.Highs:
    """One silent solver per thread, cleared for each model (creating one prints a banner)."""
    h = getattr(_local, "highs", None)
    if h is None:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        _local.highs = h
    h.clearModel()
    return h


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass
class AuditResult:
    intervals: dict[CellId, Interval] = field(default_factory=dict)
    failures: dict[CellId, str] = field(default_factory=dict)  # cell or ("blanks", line) -> why
    # failures an earlier publication gave already, which a later edition cannot mend (disclosure.py)
    inherited: dict[CellId, str] = field(default_factory=dict)
    solves: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


class _ReaderModel:
    """The integer program of one component: a column per unknown, a row per line.

    Solved as an LP first: when its optimum is integral it is the integer optimum too (the tables
    are mostly network matrices, whose LPs have integral vertices); otherwise as a MILP.
    """

    def __init__(self, cells, lines, values, hidden, primary, threshold, big) -> None:
        self.h = _highs()
        self.index: dict[CellId, int] = {}
        lows, highs = [], []
        for c in cells:
            if c in primary:
                self.index[c] = len(lows)
                lows.append(1.0)
                highs.append(float(threshold - 1))
            elif values.get(c) is None or c in hidden:
                self.index[c] = len(lows)
                lows.append(0.0)
                highs.append(big)
        n = self.n = len(lows)
        self.h.addVars(n, np.array(lows), np.array(highs))
        for line in lines:
            coefficients: dict[int, float] = defaultdict(float)
            constant = 0.0
            for cell, sign in [(line.total, 1.0)] + [(p, -1.0) for p in line.parts]:
                if cell in self.index:
                    coefficients[self.index[cell]] += sign
                else:
                    constant += sign * values[cell]
            coefficients = {k: v for k, v in coefficients.items() if v}
            if not coefficients:
                continue
            idx = np.array(list(coefficients), dtype=np.int32)
            self.h.addRow(-constant, -constant, len(idx), idx, np.array(list(coefficients.values())))
        self.solves = 0
        self.integral = False

    def _solve(self) -> float | None:
        self.h.run()
        self.solves += 1
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS: {self.h.modelStatusToString(status)}")
        return self.h.getInfo().objective_function_value

    def bounds(self, cells: list[CellId]) -> Interval | None:
        """(min, max) over non-negative integers of the sum of `cells`; None when infeasible."""
        result = []
        idx = np.array([self.index[c] for c in cells], dtype=np.int32)
        everything = np.arange(self.n, dtype=np.int32)
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            self.h.changeColsCost(self.n, everything, np.zeros(self.n))
            self.h.changeColsCost(len(idx), idx, np.ones(len(idx)))
            self.h.changeObjectiveSense(sense)
            value = self._solve()
            if value is None:
                return None
            solution = np.asarray(self.h.getSolution().col_value)
            if not np.allclose(solution, np.round(solution), atol=1e-7):
                self.h.changeColsIntegrality(
                    self.n, everything, np.array([highspy.HighsVarType.kInteger] * self.n)
                )
                value = self._solve()
                self.h.changeColsIntegrality(
                    self.n, everything, np.array([highspy.HighsVarType.kContinuous] * self.n)
                )
                if value is None:
                    return None
            result.append(round(value))
        return Interval(result[0], result[1])


def min_width(threshold: int) -> int:
    """How far apart the bounds of a `<t` cell must stay: three possible values (1..3 of 1..4)."""
    return max(1, min(2, threshold - 2))


def _covered(interval: Interval, threshold: int, width: int) -> bool:
    """A small count without its own symbol is safe when it may be t or more, or keeps a `<t`'s width."""
    return interval.high >= threshold or interval.high - interval.low >= width


def audit(
    values: Mapping[CellId, int | None],
    lines: Iterable[Line],
    threshold: int,
    suppression: Suppression,
    *,
    exempt: Iterable[CellId] = (),
) -> AuditResult:
    """Every hidden cell's feasible interval given everything a reader sees, and what fails the rule.

    The rule (docs/monitor.md): a hidden cell that is not 0 is never determined exactly; a `<t`
    cell keeps at least three possible values; a small count shown as `x`, and a small group of
    blank cells of a line, either may be the threshold or more, or keeps three possible values.
    """
    exempt = set(exempt)
    lines = [line for line in _consistent(lines, values) if line.total not in exempt]
    primary, secondary = suppression.primary, suppression.secondary
    hidden = primary | secondary
    big = float(sum(v for v in values.values() if v) + 10 * threshold + 10)
    result = AuditResult()
    blanks_of: dict[Line, list[CellId]] = {}
    for line in lines:
        rest = residual(line, values)
        if is_small(rest, threshold):
            blanks_of[line] = [c for c in (*line.parts, line.total) if values.get(c) is None]
    width = min_width(threshold)
    for cells, component_lines in _components(lines, hidden):
        targets = [c for c in cells if c in hidden]
        sensitive = [line for line in component_lines if line in blanks_of]
        if not targets and not sensitive:
            continue
        model = _ReaderModel(cells, component_lines, values, hidden, primary, threshold, big)
        for c in targets:
            interval = model.bounds([c])
            if interval is None:
                result.failures[c] = "infeasible"
                continue
            result.intervals[c] = interval
            if interval.low >= interval.high and values.get(c):
                result.failures[c] = f"bepaald: {interval.low:g}"
            elif c in primary and interval.high - interval.low < width:
                result.failures[c] = f"versmald tot {interval.low:g}..{interval.high:g}"
            elif c in secondary and is_small(values.get(c), threshold) and not _covered(interval, threshold, width):
                result.failures[c] = f"klein: {interval.low:g}..{interval.high:g}"
        for line in sensitive:
            key = ("blanks", line)
            interval = model.bounds(blanks_of[line])
            if interval is None:
                result.failures[key] = "infeasible"
                continue
            result.intervals[key] = interval
            if not _covered(interval, threshold, width):
                result.failures[key] = f"lege cellen samen {interval.low:g}..{interval.high:g}"
        result.solves += model.solves
    return result


# -- choosing the hidden cells -------------------------------------------------------------------


def _headlines(lines: list[Line]) -> set[CellId]:
    """Totals that are no part of another line: the figures a reader looks at first."""
    parts = {p for line in lines for p in line.parts}
    return {line.total for line in lines if line.total not in parts}


def _milp(
    candidates: list[CellId],
    lines: list[Line],
    values: Mapping[CellId, int | None],
    primary: set[CellId],
    fixed_hidden: set[CellId],
    threshold: int,
    cuts: list[set[CellId]],
    headlines: set[CellId],
) -> set[CellId] | None:
    """Secondary cells among `candidates`: least loss under linear protection constraints per line.

    Cost of hiding a cell: (sum of all values + its value), times HEADLINE_WEIGHT for a headline,
    so fewer cells always win, then smaller ones. Per line with a known total, for each `<t` cell
    the other hidden cells (and the line's blanks) must let it move up and down by the width of
    the rule, and a small group of blanks must be able to reach the threshold.
    """
    n = len(candidates)
    if not n:
        return set()
    h = _highs()
    h.setOptionValue("time_limit", MILP_SECONDS)
    index = {c: i for i, c in enumerate(candidates)}
    total_value = sum(v for v in values.values() if v) + 1
    big = float(total_value + threshold)
    costs = [(total_value + values[c]) * (HEADLINE_WEIGHT if c in headlines else 1) for c in candidates]
    everything = np.arange(n, dtype=np.int32)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsIntegrality(n, everything, np.array([highspy.HighsVarType.kInteger] * n))
    h.changeColsCost(n, everything, np.array(costs, dtype=float))
    already = primary | fixed_hidden
    inf = highspy.kHighsInf
    width = min_width(threshold)

    def down(c: CellId) -> float:  # how far a hidden cell can drop in the reader's view
        return float(values[c] - 1 if c in primary else values[c])

    def up(c: CellId) -> float:  # how far it can grow
        return float(threshold - 1 - values[c] if c in primary else big)

    def row(terms: dict[CellId, float], need: float) -> None:
        """sum(capacity * hidden) >= need; cells hidden already count as constants."""
        need -= sum(coef for c, coef in terms.items() if c in already)
        free = {index[c]: coef for c, coef in terms.items() if c in index and coef > 0}
        if need <= 0 or not free:
            return  # met, or not to be met here: the audit finds it and the fallback handles it
        idx = np.array(list(free), dtype=np.int32)
        h.addRow(need, inf, len(idx), idx, np.array(list(free.values()), dtype=float))

    for line in lines:
        if values.get(line.total) is None:
            continue
        rest = residual(line, values)
        blanks_up = big if rest is not None else 0.0  # blanks can always grow ...
        blanks_down = float(rest or 0)  # ... and drop to 0
        parts = [p for p in line.parts if values.get(p) is not None]
        for s in (*parts, line.total):
            if s not in primary:
                continue
            v = values[s]
            rise = min(threshold - 1 - v, width)  # the rest of the width is found going down
            if s == line.total:
                row({p: up(p) for p in parts}, rise - blanks_up)
                row({p: down(p) for p in parts}, width - rise - blanks_down)
            else:
                others = [p for p in parts if p != s]
                row({**{p: down(p) for p in others}, line.total: big}, rise - blanks_down)
                row({**{p: up(p) for p in others}, line.total: down(line.total)}, width - rise - blanks_up)
        if is_small(rest, threshold):
            row({**{p: down(p) for p in parts}, line.total: big}, threshold - rest)
    for cut in cuts:
        row({c: 1.0 for c in cut}, 1)
    h.run()
    status = h.getModelStatus()
    h.setOptionValue("time_limit", inf)
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
        return None
    solution = h.getSolution().col_value
    if len(solution) != n:
        return None
    return {c for c, y in zip(candidates, solution, strict=True) if y > 0.5}


def protect(
    values: Mapping[CellId, int | None],
    lines: Iterable[Line],
    threshold: int,
    *,
    exempt: Iterable[CellId] = (),
    fixed_hidden: Iterable[CellId] = (),
    fixed_visible: Iterable[CellId] = (),
    small_symbol: str = "",
    secondary_symbol: str = "x",
) -> Suppression:
    """Hide the small counts and the fewest, smallest other cells so that the audit passes.

    `exempt`: cells that do not count persons (shown as they are). `fixed_hidden`/`fixed_visible`:
    cells an earlier edition published (hidden or shown); they keep that state. Raises nothing:
    the caller audits the result (and refuses to serve it when it fails).
    """
    exempt, fixed_hidden, fixed_visible = set(exempt), set(fixed_hidden), set(fixed_visible)
    lines = [line for line in _consistent(lines, values) if line.total not in exempt]
    free = {c for c, v in values.items() if v is not None and c not in exempt | fixed_hidden | fixed_visible}
    primary = {c for c in free if is_small(values[c], threshold)}
    result = Suppression(primary=primary, small_symbol=small_symbol, secondary_symbol=secondary_symbol)
    for c in fixed_hidden:
        (result.primary if is_small(values.get(c), threshold) else result.secondary).add(c)
    headlines = _headlines(lines)
    for cells, component_lines in _components(lines, result.hidden):
        _protect_component(cells, component_lines, values, result, free, fixed_hidden, threshold, headlines)
    return result


def _near(failing: CellId, lines: list[Line]) -> set[CellId]:
    """The cells of the equations through a failing cell (or of the line of a failing blank group)."""
    if isinstance(failing, tuple) and len(failing) == 2 and failing[0] == "blanks" and isinstance(failing[1], Line):
        through = [failing[1]]
    else:
        through = [line for line in lines if failing == line.total or failing in line.parts]
    return {c for line in through for c in (*line.parts, line.total)}


def _protect_component(cells, lines, values, result: Suppression, free, fixed_hidden, threshold, headlines) -> None:
    candidates = sorted((c for c in cells if c in free and c not in result.primary), key=repr)
    sensitive = any(c in result.primary for c in cells) or any(is_small(residual(line, values), threshold) for line in lines)
    if not sensitive or not lines:
        return
    cuts: list[set[CellId]] = []
    rounds = MAX_ROUNDS if len(candidates) <= MAX_BINARIES else 0
    for __ in range(rounds):
        chosen = _milp(candidates, lines, values, result.primary, fixed_hidden, threshold, cuts, headlines)
        if chosen is None:
            break
        trial = Suppression(primary=result.primary, secondary=result.secondary | chosen)
        check = audit(values, lines, threshold, trial)
        if check.ok:
            result.secondary |= chosen
            return
        visible = {c for c in candidates if c not in chosen}
        new_cuts = []
        for failing in check.failures:
            near = _near(failing, lines)
            ring = near & visible
            if not ring:  # one equation further
                ring = {c for line in lines if near & {*line.parts, line.total} for c in (*line.parts, line.total)} & visible
            if ring and ring not in cuts and ring not in new_cuts:
                new_cuts.append(ring)
        if not new_cuts:
            break
        cuts += new_cuts
    # Fallback: hide every free cell of the equation system. A `<t` cell that the symbols of its
    # neighbours still pin down (say 1, 1 and 1 under a total of 3: each must be 1 or 2) is then
    # shown as `x` instead, which says nothing about its size.
    logger.info("Disclosure fallback for a component of %d cells", len(cells))
    result.secondary |= set(candidates)
    for __ in range(len(cells)):
        check = audit(values, lines, threshold, result)
        narrowed = [c for c in check.failures if c in result.primary and c not in fixed_hidden]
        if not narrowed:
            return
        # the largest first: the sum of the others can then no longer pin it
        worst = max(narrowed, key=lambda c: (values[c], repr(c)))
        result.primary.discard(worst)
        result.secondary.add(worst)


def suppress(
    values: Mapping[CellId, int | None],
    lines: Iterable[Line],
    threshold: int,
    exempt: Iterable[CellId] = (),
) -> Suppression:
    """`protect` without earlier publications (kept for callers of the first version)."""
    return protect(values, lines, threshold, exempt=exempt)


def recomputable(values: Mapping[CellId, int | None], lines: Iterable[Line], hidden: set[CellId]) -> set[CellId]:
    """Hidden cells a reader can recompute from one line alone (the simplest attack)."""
    found = set()
    for line in lines:
        cells = [*line.parts, line.total]
        unseen = [c for c in cells if c in hidden or values.get(c) is None]
        if len(unseen) == 1 and unseen[0] in hidden:
            found.add(unseen[0])
    return found
