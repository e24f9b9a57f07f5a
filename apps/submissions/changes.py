"""What changed in a submission since the VAR last sent it back (returned or reopened it).

At a return or reopening the figures are exactly those of the previous submission (a submitted
submission cannot be edited), so "since the return" is "since the previous submission". The value
history (django-simple-history) says what each cell held at that moment.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from apps.submissions.models import Submission, SubmissionEvent, Value

_BACK = (SubmissionEvent.Action.RETURN, SubmissionEvent.Action.REOPEN)


@dataclass(frozen=True)
class CellChange:
    label: str
    before: int | str | None
    after: int | str | None


@dataclass(frozen=True)
class ChangesSince:
    event: SubmissionEvent
    changes: list[CellChange]


def _shown(number: int | None, text: str) -> int | str | None:
    if number is not None:
        return number
    text = text.strip()
    if not text:
        return None
    return text if len(text) <= 60 else text[:57] + "…"


# The historical model's plain manager: `Value.history` builds a manager class on every access.
_HistoricalValue = Value.history.model


def _states(submission_id: int, moment: datetime.datetime) -> tuple[dict, dict]:
    """Each cell's content at `moment` and now, keyed (indicator id, row, col), in one query.

    Values are never deleted, so every cell that existed at `moment` is a row now; its content then is
    its newest history record up to `moment`, found through the (record id, history id) index without
    reading the rest of its past.
    """
    then = _HistoricalValue.objects.filter(id=OuterRef("pk"), history_date__lte=moment).order_by("-history_id")
    rows = (
        Value.objects.filter(submission_id=submission_id)
        .annotate(
            then_type=Subquery(then.values("history_type")[:1]),
            then_number=Subquery(then.values("number")[:1]),
            then_text=Subquery(then.values("text")[:1]),
        )
        .values_list("indicator_id", "row", "col", "number", "text", "then_type", "then_number", "then_text")
    )
    before: dict[tuple[int, str, str], int | str | None] = {}
    now: dict[tuple[int, str, str], int | str | None] = {}
    for indicator_id, row, col, number, text, then_type, then_number, then_text in rows:
        key = (indicator_id, row, col)
        now[key] = _shown(number, text)
        if then_type is not None:
            before[key] = None if then_type == "-" else _shown(then_number, then_text or "")
    return before, now


def changes_since_last_return(submission: Submission, grids: dict) -> ChangesSince | None:
    """Per cell: the value at the last return or reopening, and now; None if never sent back."""
    event = SubmissionEvent.objects.filter(submission=submission, action__in=_BACK).first()
    if event is None:
        return None
    before, now = _states(submission.pk, event.at)
    by_id = {grid.indicator.pk: grid for grid in grids.values()}
    rank = {pk: i for i, pk in enumerate(by_id)}
    changes = []
    for key in sorted(set(before) | set(now), key=lambda k: _order(by_id, rank, k)):
        old, new = before.get(key), now.get(key)
        if old == new:
            continue
        grid = by_id.get(key[0])
        if grid is None:
            continue  # not (any more) on this form
        where = grid.label_of((key[1], key[2]))
        label = grid.indicator.label if where == grid.indicator.label else f"{grid.indicator.label} – {where}"
        changes.append(CellChange(label=label, before=old, after=new))
    return ChangesSince(event=event, changes=changes)


def _order(by_id: dict, rank: dict, key: tuple[int, str, str]) -> tuple:
    """Form order: indicator by indicator, cells as the grid lays them out."""
    grid = by_id.get(key[0])
    if grid is None:
        return (1, 0, 0)
    keys = grid.keys()
    position = keys.index((key[1], key[2])) if (key[1], key[2]) in keys else len(keys)
    return (0, rank[key[0]], position)
