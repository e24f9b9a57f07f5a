"""Disclosure control of the monitor: the one place that turns a report into protected figures.

Contract for every surface that is not VAR-internal (partner pages and charts, the public
workbook, the public site, PDF and open data)::

    from apps.monitor import disclosure

    audience = disclosure.audience_for(request.user, edition)    # "internal" or "protected"
    result = disclosure.protected_report(edition=edition, audience=audience)
    result.report        # an EditionReport; with audience "protected" every hidden cell is a
                         # `HiddenCell` (number None, `.symbol` "<5" or "x"): nothing to leak
    result.suppression   # `Suppression`: `.symbol(cell_id, threshold)`, `.hidden`, `.primary`
    result.policy        # `Policy` of the edition: threshold, symbols, internal audience
    result.loss          # `Loss`: cells hidden and their share of the total
    disclosure.cover_lines(result.report, result)  # [(label, text)]: the rule and the loss

For the public site, PDF and open data use ``audience=disclosure.PUBLIC`` (never internal).
`protected_report` raises `DisclosureError` when the audit finds a hidden cell a reader can narrow
below its protection interval: the caller must then not serve the page or file (a 500 is right).

What it does, for the public edition E (built from published editions only):

1. each year Y that E shows is a separate problem (no equation crosses years);
2. for Y < E the cells edition Y published for its own year keep their state (hidden or shown);
   cells that only E shows (categories merged later) are linked to Y's own cells by an equation;
3. `suppression.protect` chooses the hidden cells, `suppression.audit` proves them against
   everything a reader gets: the tables of E and of every published edition between Y and E
   (protect sees all of them too, the earlier cells fixed). A failure the earlier editions alone
   give as much is inherited (`AuditResult.inherited`), not refused: E cannot take it back.

The result is cached under the data's fingerprint (which includes every shown edition's policy).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from apps.monitor.aggregation import Cell
from apps.monitor.suppression import AuditResult, Line, Suppression, audit, is_small, min_width, protect
from apps.partners import access
from apps.submissions.models import Edition

logger = logging.getLogger(__name__)

INTERNAL = "internal"
PROTECTED = "protected"  # partners who may not see internal figures: the same figures as the public
PUBLIC = PROTECTED  # the public site, PDF and open data
CACHE_SECONDS = 24 * 3600


class DisclosureError(RuntimeError):
    """The audit found a hidden figure a reader can work back: the build must not be served."""

    def __init__(self, year: int, failures: dict) -> None:
        self.year, self.failures = year, failures
        sample = "; ".join(f"{cell}: {why}" for cell, why in list(failures.items())[:5])
        super().__init__(f"Disclosure audit of edition {year} failed for {len(failures)} cell(s): {sample}")


@dataclass(frozen=True)
class Policy:
    """The disclosure policy of an edition (fields on `Edition`)."""

    threshold: int
    small_symbol: str  # "<5"
    secondary_symbol: str  # "x"
    internal_audience: str  # Edition.InternalAudience

    def key(self) -> tuple:
        return (self.threshold, self.small_symbol, self.secondary_symbol, self.internal_audience)


def policy_for(edition: Edition) -> Policy:
    threshold = edition.disclosure_threshold or int(getattr(settings, "SUPPRESSION_THRESHOLD", 5))
    return Policy(
        threshold=threshold,
        small_symbol=edition.disclosure_small_symbol or f"<{threshold}",
        secondary_symbol=edition.disclosure_secondary_symbol or "x",
        internal_audience=edition.internal_audience,
    )


def audience_for(user, edition: Edition) -> str:
    """INTERNAL for those the edition's policy lets see every figure (apps.partners.access), else PROTECTED."""
    return INTERNAL if access.sees_internal_figures(user, edition) else PROTECTED


@dataclass(frozen=True)
class HiddenCell(Cell):
    """A protected figure: no number at all, only what the reader sees instead."""

    symbol: str = "x"


@dataclass(frozen=True)
class Loss:
    cells: int  # hidden cells of the edition's own year
    hidden_total: int  # their sum (persons) ...
    total: int  # ... of the sum of all its figures of persons
    shown: int  # cells of persons shown

    @property
    def share(self) -> float:
        return self.hidden_total / self.total if self.total else 0.0


@dataclass
class ProtectedReport:
    report: object  # services.EditionReport
    audience: str
    policy: Policy
    suppression: Suppression = field(default_factory=Suppression)
    loss: Loss | None = None
    audits: dict[int, AuditResult] = field(default_factory=dict)  # year -> proof


# -- the problem of one year in one edition ---------------------------------------------------------


def _view(edition_year: int, cell_id: tuple) -> tuple:
    """The id of a merged cell as edition `edition_year` shows it (it differs from the year's own cell)."""
    return ("view", edition_year, *cell_id)


@dataclass
class _Block:
    values: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)
    exempt: set = field(default_factory=set)
    shown: dict = field(default_factory=dict)  # published id -> the id in the report


def _block(report, year: int) -> _Block:
    """Cells and equations of `year` as the report shows them; merged cells renamed and linked."""
    own = report.edition.year
    block = _Block()
    for chapter in report.chapters:
        for table in chapter.all_tables:
            rename = {cid: _view(own, cid) for cid in table.sources if cid[0] == year}
            for row in table.rows:
                for cell_id, cell in zip(row.ids, row.cells, strict=True):
                    if cell_id[0] != year or not cell.asked:
                        continue
                    key = rename.get(cell_id, cell_id)
                    block.values[key] = cell.number
                    block.shown[key] = cell_id
                    if row.exempt:
                        block.exempt.add(key)
            for line in table.lines:
                if line.total[0] != year:
                    continue
                block.lines.append(Line(tuple(rename.get(p, p) for p in line.parts), rename.get(line.total, line.total)))
            for cid, raw in table.sources.items():
                if cid in rename:
                    block.lines.append(Line(tuple(raw), rename[cid]))
    return block


@dataclass
class _Reader:
    """What a reader holds of one year after the editions published so far: figures, equations, symbols."""

    values: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)  # Line -> None: the equations in order, once each
    exempt: set = field(default_factory=set)
    small: set = field(default_factory=set)  # hidden as <t somewhere
    other: set = field(default_factory=set)  # hidden as x somewhere
    seen: set = field(default_factory=set)  # shown somewhere

    def add(self, block: _Block, pattern: Suppression) -> None:
        self.values.update(block.values)
        self.lines.update(dict.fromkeys(block.lines))
        self.exempt |= block.exempt
        self.small |= pattern.primary
        self.other |= pattern.secondary
        self.seen |= {k for k in block.values if k not in pattern.hidden}

    def copy(self) -> _Reader:
        return _Reader(dict(self.values), dict(self.lines), set(self.exempt), set(self.small), set(self.other), set(self.seen))

    def suppression(self) -> Suppression:
        # A cell any edition shows is known; it is hidden only when every edition that has it hides it.
        return Suppression(primary=self.small - self.seen, secondary=self.other - self.seen - self.small)

    def audit(self, threshold: int) -> AuditResult:
        return audit(self.values, list(self.lines), threshold, self.suppression(), exempt=self.exempt)


def _pattern(report, year: int, policy: Policy, reader: _Reader) -> tuple[_Block, Suppression]:
    """The hidden cells of `year` in the report, against everything earlier editions published of it.

    The MILP and its audit see the reader's whole view of the year: the figures and equations of the
    earlier editions too (a merged category's sum in this edition beside its parts in the earlier one
    gives a part away), each earlier cell fixed as it was published. A cell whose figure changed since
    is this edition's to decide.
    """
    block = _block(report, year)
    published = reader.suppression()
    fixed_hidden, fixed_visible = set(), set()
    for key, number in reader.values.items():
        if key in block.values and block.values[key] != number:
            continue
        (fixed_hidden if key in published.hidden else fixed_visible).add(key)
    result = protect(
        {**reader.values, **block.values},
        list(dict.fromkeys([*reader.lines, *block.lines])),
        policy.threshold,
        exempt=reader.exempt | block.exempt,
        fixed_hidden=fixed_hidden,
        fixed_visible=fixed_visible,
        small_symbol=policy.small_symbol,
        secondary_symbol=policy.secondary_symbol,
    )
    for key in fixed_hidden:  # an earlier edition's `<t` cell stays `<t`, its `x` stays `x`
        if key in published.primary:
            result.secondary.discard(key)
            result.primary.add(key)
        else:
            result.primary.discard(key)
            result.secondary.add(key)
    # The pattern of this edition's cells; the earlier editions' cells are what they published.
    result.primary &= block.values.keys()
    result.secondary &= block.values.keys()
    return block, result


def _published_report(year: int):
    from apps.monitor.cache import cached_report

    edition = Edition.objects.filter(year=year, status=Edition.Status.PUBLISHED).first()
    if edition is None:
        return None
    return cached_report(edition=edition, published_only=True)


def _inherited(result: AuditResult, before: _Reader, threshold: int) -> dict:
    """The failures this edition cannot mend: the earlier editions alone give the reader as much.

    An earlier publication is what it is (a stricter threshold now, or a figure an older version of
    this code showed): this edition shows those figures as they were and hides every free cell of
    its own around them (`protect`'s fallback), but refusing to serve it would protect nobody.
    A failure it narrows further (a smaller interval than before) is its own and still fails.
    """
    if not before.values:
        return {}
    earlier = before.audit(threshold)
    return {
        key: why
        for key, why in result.failures.items()
        if key in earlier.failures and earlier.intervals.get(key) == result.intervals.get(key)
    }


def _protect(report) -> ProtectedReport:
    edition = report.edition
    policy = policy_for(edition)
    main_year = edition.year
    combined = Suppression(small_symbol=policy.small_symbol, secondary_symbol=policy.secondary_symbol)
    audits: dict[int, AuditResult] = {}
    loss = None
    for year in report.years:
        # The editions a reader has that show `year`, oldest first, ending with this one.
        viewers = [] if year == main_year else [r for r in (_published_report(y) for y in range(year, main_year)) if r]
        viewers = [r for r in viewers if year in r.years] + [report]
        reader = _Reader()
        before = reader
        for viewer in viewers:
            if viewer is report:
                before = reader.copy()
            block, pattern = _pattern(viewer, year, policy_for(viewer.edition), reader)
            reader.add(block, pattern)
            if viewer is report:
                for key in pattern.primary:
                    combined.primary.add(block.shown[key])
                for key in pattern.secondary:
                    combined.secondary.add(block.shown[key])
                if year == main_year:
                    loss = _loss(block, pattern)
        result = reader.audit(policy.threshold)
        audits[year] = result
        if not result.ok:
            result.inherited = _inherited(result, before, policy.threshold)
            result.failures = {k: v for k, v in result.failures.items() if k not in result.inherited}
            if result.inherited:
                logger.warning("Edition %s: %d failure(s) of %s published before: %s",
                               main_year, len(result.inherited), year, list(result.inherited.items())[:3])
            if result.failures:
                raise DisclosureError(main_year, result.failures)
    combined.audited = True
    return ProtectedReport(report=report, audience=PROTECTED, policy=policy, suppression=combined, loss=loss, audits=audits)


def _loss(block: _Block, pattern: Suppression) -> Loss:
    persons = {k: v for k, v in block.values.items() if v is not None and k not in block.exempt and k[0] != "view"}
    hidden = {k: v for k, v in persons.items() if k in pattern.hidden}
    # Totals count their parts again; the share is of all figures of persons as printed.
    return Loss(
        cells=len(hidden),
        hidden_total=sum(hidden.values()),
        total=sum(persons.values()),
        shown=len(persons) - len(hidden),
    )


def _masked(report, suppression: Suppression, policy: Policy):
    """A copy of the report in which every hidden cell is a HiddenCell: the number is gone."""
    masked = copy.copy(report)
    masked.chapters = []
    for chapter in report.chapters:
        new_chapter = copy.copy(chapter)
        new_chapter.tables = [_masked_table(t, suppression, policy) for t in chapter.tables]
        new_chapter.breakdowns = [_masked_table(t, suppression, policy) for t in chapter.breakdowns]
        masked.chapters.append(new_chapter)
    masked._protection = suppression
    return masked


def _masked_table(table, suppression: Suppression, policy: Policy):
    new = copy.copy(table)
    new.rows = []
    hidden_part = False
    for row in table.rows:
        cells = []
        for cell_id, cell in zip(row.ids, row.cells, strict=True):
            symbol = suppression.symbol(cell_id, policy.threshold)
            if symbol is None:
                cells.append(cell)
            else:
                cells.append(HiddenCell(number=None, asked=True, symbol=symbol))
                hidden_part = hidden_part or not row.is_total
        new.rows.append(replace(row, cells=cells))
    if new.chart == "pie" and hidden_part:
        new.chart = "bar"  # shares of a partly hidden whole would mislead
    return new


# -- the entry points --------------------------------------------------------------------------------


def protected_report(
    *, edition: Edition, audience: str, chapters: list[str] | None = None, fingerprint: str | None = None
) -> ProtectedReport:
    """The edition's report as `audience` may see it; PROTECTED is audited (or DisclosureError).

    `fingerprint`: the "public" variant's `data_fingerprint` for PROTECTED, when the caller has it already.
    """
    from apps.monitor.cache import cached_report, data_fingerprint

    if audience == INTERNAL:
        report = cached_report(edition=edition, published_only=False, chapters=chapters)
        return ProtectedReport(report=report, audience=INTERNAL, policy=policy_for(edition))
    if fingerprint is None:
        fingerprint = data_fingerprint(edition, "public", translation.get_language() or "nl")
    key = f"monitor:protected:{fingerprint}"
    found = cache.get(key)
    if found is None:
        # Protection covers the whole edition: a chapter's figures depend on equal totals elsewhere.
        report = cached_report(edition=edition, published_only=True, fingerprint=fingerprint)
        found = _protect(report)
        found.report = _masked(report, found.suppression, found.policy)
        cache.set(key, found, CACHE_SECONDS)
    return found


def suppression_for(report) -> Suppression:
    """The audited suppression of a (published-only) report: what `EditionReport.suppression` returns."""
    existing = getattr(report, "_protection", None)
    if existing is not None:
        return existing
    result = _protect(report).suppression
    report._protection = result
    return result


def cover_lines(report, protection) -> list[tuple[str, str]]:
    """Lines for the public workbook's cover (and the public site): the rule and the information loss.

    `protection`: a ProtectedReport, or the report's Suppression (the loss is then recomputed).
    """
    if isinstance(protection, ProtectedReport):
        policy, loss = protection.policy, protection.loss
    else:
        policy = policy_for(report.edition)
        block = _block(report, report.edition.year)
        loss = _loss(block, protection)
    t = policy.threshold
    lines = [
        (
            _("Afscherming"),
            _(
                "Aantallen personen van 1 tot en met %(max)s staan als %(small)s; andere cijfers die zo'n aantal "
                "zouden verraden staan als %(x)s. Aantallen van iets anders dan personen (casussen, onderzoeken, "
                "controles, boetes, plekken) staan er zoals ze zijn."
            )
            % {"max": t - 1, "small": policy.small_symbol, "x": policy.secondary_symbol},
        ),
        (
            _("Controle"),
            _(
                "Een rekenprogramma (HiGHS) heeft met alle openbare tabellen van deze en eerdere edities "
                "nagegaan dat geen afgeschermd cijfer is terug te rekenen: geen wordt exact bepaald, een "
                "%(small)s houdt minstens %(width)s mogelijke waarden en een klein aantal lege cellen is niet "
                "onder %(t)s te begrenzen."
            )
            % {"small": policy.small_symbol, "width": min_width(t) + 1, "t": t},
        ),
    ]
    if loss is not None:
        lines.append(
            (
                _("Informatieverlies"),
                _("%(cells)s van %(all)s cijfers over personen in %(year)s afgeschermd (%(share)s van het totaal).")
                % {
                    "cells": loss.cells,
                    "all": loss.cells + loss.shown,
                    "year": report.edition.year,
                    "share": f"{loss.share:.1%}".replace(".", ","),
                },
            )
        )
    return lines


def is_hidden(cell) -> bool:
    return isinstance(cell, HiddenCell)


__all__ = [
    "INTERNAL",
    "PROTECTED",
    "PUBLIC",
    "DisclosureError",
    "HiddenCell",
    "Policy",
    "ProtectedReport",
    "audience_for",
    "cover_lines",
    "is_small",
    "policy_for",
    "protected_report",
    "suppression_for",
]
