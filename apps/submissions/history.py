"""A submission's history, a page at a time: workflow steps, saves of figures and explanations.

Three sources make one timeline, newest first: the workflow events, the value history
(django-simple-history; the records of one save share `changed_in_version`) and the explanation
history. A page takes the newest `size + 1` entries of each source before a cursor, merges them and
keeps `size`: the queries and the rows read stay the same however long the past is. Old → new is
looked up only for the cells shown, capped per save.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from apps.submissions.grid import Grid
from apps.submissions.models import Explanation, Submission, SubmissionEvent, Value
from apps.submissions.selectors import form_catalogue

# The order of the sources among entries of the very same moment (newest first): a step after a save.
EVENT, SAVE, EXPLANATION = 2, 1, 0
PAGE_SIZE = 20
CELLS_PER_SAVE = 20


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the entry's moment, its source and its id within the source."""

    at: datetime.datetime
    source: int
    ident: int

    def __str__(self) -> str:
        return f"{self.at.isoformat()}~{self.source}~{self.ident}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor of a `voor` parameter; None (the newest page) for anything malformed."""
        try:
            at, source, ident = (text or "").split("~")
            moment = datetime.datetime.fromisoformat(at)
            cursor = cls(at=moment, source=int(source), ident=int(ident))
        except ValueError:
            return None
        return cursor if moment.tzinfo is not None and cursor.source in (EVENT, SAVE, EXPLANATION) else None

    def before(self, source: int, at: str, ident: str) -> Q:
        """Entries of `source` after this cursor in newest-first order (at, source, id descending)."""
        if source < self.source:
            return Q(**{f"{at}__lte": self.at})
        if source > self.source:
            return Q(**{f"{at}__lt": self.at})
        return Q(**{f"{at}__lt": self.at}) | Q(**{at: self.at, f"{ident}__lt": self.ident})


@dataclass
class TimelineEntry:
    at: datetime.datetime
    who: str
    what: str
    comment: str = ""
    items: list | None = None
    source: int = EVENT
    ident: int = 0
    version: int | None = None  # a save of figures: the submission version it made
    cells: int = 0  # the cells that save changed
    hidden: int = 0  # of which not shown here

    @property
    def cursor(self) -> Cursor:
        return Cursor(at=self.at, source=self.source, ident=self.ident)


@dataclass
class HistoryPage:
    entries: list[TimelineEntry]
    older: Cursor | None  # where the next (older) page starts; None on the last page
    # The newest workflow events before the cursor as read for the page, newest first, with their
    # actors; `all_events` says whether that was every one of them (the form page reads its notices
    # from these rather than asking again).
    events: list[SubmissionEvent] = field(default_factory=list)
    all_events: bool = False

    # A page reads as its entries (templates loop over it, `{% if timeline %}` asks for any).
    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def form_grids(submission: Submission) -> dict[str, Grid]:
    """The grids of the submission's form (for the cells' names), without loading any figures."""
    return dict(form_catalogue(submission).grids)


def explanation_label(key: str, grids) -> str:
    """The warning an explanation belongs to, in words: never the internal key (sum:code:row:col)."""
    kind, __, rest = key.partition(":")
    code, __, where = rest.partition(":")
    grid = grids.get(code) if grids else None
    if grid is None:
        return _("bij een waarschuwing")
    label = grid.indicator.label
    if kind == "equal":
        other = grids.get(where)
        other_label = other.indicator.label if other else where
        return _("bij %(label)s (totaal vergeleken met %(other)s)") % {"label": label, "other": other_label}
    row, __, col = where.partition(":")
    cell = grid.label_of((row, col))
    if cell and cell != label:
        label = f"{label} – {cell}"
    what = {
        "sum": _("totaal en som van de delen"),
        "part": _("deel groter dan totaal"),
        "yoy": _("verandering t.o.v. vorig jaar"),
    }
    return _("bij %(label)s (%(what)s)") % {"label": label, "what": what.get(kind, _("waarschuwing"))}


def _short(value) -> object:
    if value in (None, ""):
        return _("leeg")
    if isinstance(value, str) and len(value) > 60:
        return value[:57] + "…"
    return value


def _cell_label(grids_by_pk: dict, indicator_id: int, row: str, col: str) -> str:
    grid = grids_by_pk.get(indicator_id)
    if grid is None:
        return f"{row} {col}".strip() or str(indicator_id)
    label = grid.indicator.label
    where = grid.label_of((row, col))
    return f"{label} – {where}" if where and where != label else label


# The historical models' plain managers: `Value.history` builds a new manager class on every
# access and turns the records it loads back into instances, most of the timeline's time.
_HistoricalValue = Value.history.model
_HistoricalExplanation = Explanation.history.model


def _who(user_id: int | None, email: str | None) -> str:
    return (email or "") if user_id is not None else _("systeem")


def _events(
    submission: Submission, cursor: Cursor | None, size: int, grids: dict
) -> tuple[list[TimelineEntry], list[SubmissionEvent]]:
    events = SubmissionEvent.objects.filter(submission_id=submission.pk).select_related("actor")
    if cursor:
        events = events.filter(cursor.before(EVENT, "at", "pk"))
    entries = []
    read = list(events.order_by("-at", "-pk")[: size + 1])
    for e in read:
        late = _(" (na de deadline)") if e.late else ""
        items = [
            {"indicator": grids[i["indicator"]].indicator.label if i["indicator"] in grids else i["indicator"],
             "text": i["text"]}
            for i in e.item_comments
        ]
        entries.append(TimelineEntry(
            at=e.at, who=e.actor.get_full_name() if e.actor else _("systeem"), what=f"{e.get_action_display()}{late}",
            comment=e.comment, items=items, source=EVENT, ident=e.pk,
        ))
    return entries, read


def _save_records(submission: Submission) -> QuerySet:
    return _HistoricalValue.objects.filter(submission_id=submission.pk).exclude(history_type="-")


def _saves(submission: Submission, cursor: Cursor | None, size: int) -> list[TimelineEntry]:
    """One entry per save (a group of value records of one version), with its moment and cell count."""
    saves = (
        _save_records(submission).values("changed_in_version").annotate(at=Max("history_date"), n=Count("history_id"))
    )
    if cursor:
        saves = saves.filter(cursor.before(SAVE, "at", "changed_in_version"))
    # Newest version first: versions grow with every save, so this is newest first in time too, and
    # the database walks the (submission, version) index backwards and stops after one page.
    return [
        TimelineEntry(
            at=s["at"], who="", what=_("Cijfers opgeslagen (versie %(v)s)") % {"v": s["changed_in_version"]}, items=[],
            source=SAVE, ident=s["changed_in_version"], version=s["changed_in_version"], cells=s["n"],
        )
        for s in saves.order_by("-changed_in_version")[: size + 1]
    ]


def _explanations(submission: Submission, cursor: Cursor | None, size: int, grids: dict) -> list[TimelineEntry]:
    records = _HistoricalExplanation.objects.filter(submission_id=submission.pk)
    if cursor:
        records = records.filter(cursor.before(EXPLANATION, "history_date", "history_id"))
    rows = records.order_by("-history_date", "-history_id").values_list(
        "history_date", "history_type", "key", "text", "history_id", "history_user_id", "history_user__email"
    )
    return [
        TimelineEntry(
            at=at, who=_who(user_id, email),
            what=_("Toelichting verwijderd") if kind == "-" else _("Toelichting bijgewerkt"),
            items=[{"indicator": _("Toelichting %(where)s") % {"where": explanation_label(key, grids)},
                    "text": _short(text)}],
            source=EXPLANATION, ident=history_id,
        )
        for at, kind, key, text, history_id, user_id, email in rows[: size + 1]
    ]


def _cells_sql(submission_id: int, versions: list[int], cap: int | None) -> tuple[str, list]:
    """The cells of these saves with each cell's value before, as one statement.

    Written out rather than built by the ORM: compiling the window and the two correlated
    subqueries was three quarters of the timeline's time on every form and review page. The same
    SQL runs on PostgreSQL and SQLite (window functions since 3.25).
    """
    q = connection.ops.quote_name
    history, user = _HistoricalValue._meta, _HistoricalValue._meta.get_field("history_user")
    table, users, user_column = q(history.db_table), q(user.related_model._meta.db_table), q(user.column)
    columns = {name: q(history.get_field(name).column) for name in (
        "id", "history_id", "history_type", "submission", "changed_in_version", "indicator", "row", "col", "number", "text",
    )}
    c = columns
    earlier = (
        f"FROM {table} b WHERE b.{c['id']} = h.{c['id']} AND b.{c['history_id']} < h.{c['history_id']} "
        f"ORDER BY b.{c['history_id']} DESC LIMIT 1"
    )
    marks = ", ".join(["%s"] * len(versions))
    sql = (
        f"SELECT h.{c['changed_in_version']}, h.{c['indicator']}, h.{c['row']}, h.{c['col']}, h.{c['number']}, "
        f"h.{c['text']}, (SELECT b.{c['number']} {earlier}), (SELECT b.{c['text']} {earlier}), h.{user_column}, "
        f"u.{q('email')} FROM (SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.{c['changed_in_version']} "
        f"ORDER BY r.{c['history_id']}) AS place FROM {table} r WHERE r.{c['submission']} = %s "
        f"AND r.{c['history_type']} <> '-' AND r.{c['changed_in_version']} IN ({marks})) h "
        f"LEFT JOIN {users} u ON u.{q('id')} = h.{user_column}"
        + (" WHERE h.place <= %s" if cap is not None else "")
        + f" ORDER BY h.{c['changed_in_version']}, h.{c['history_id']}"
    )
    return sql, [submission_id, *versions, *([cap] if cap is not None else [])]


def _fill_cells(submission: Submission, saves: list[TimelineEntry], grids: dict, cap: int | None) -> None:
    """The first `cap` cells of each save with old → new, in one query whatever the history's length.

    The old value is the cell's record just before (a correlated subquery on the record id, which is
    indexed), so only the records shown are read, not the cell's whole past.
    """
    if not saves:
        return
    with connection.cursor() as cursor:
        cursor.execute(*_cells_sql(submission.pk, [s.version for s in saves], cap))
        rows = cursor.fetchall()
    grids_by_pk = {grid.indicator.pk: grid for grid in grids.values()}
    by_version = {s.version: s for s in saves}
    for version, indicator_id, row, col, number, text, old_number, old_text, user_id, email in rows:
        entry = by_version[version]
        if not entry.who:
            entry.who = _who(user_id, email)
        old = old_number if old_number is not None else old_text
        new = number if number is not None else text
        label = _cell_label(grids_by_pk, indicator_id, row, col)
        entry.items.append({"indicator": label, "text": f"{_short(old)} → {_short(new)}"})
    for entry in saves:
        entry.who = entry.who or _("systeem")
        entry.hidden = max(entry.cells - len(entry.items), 0)


def history_page(
    *, submission: Submission, grids: dict, cursor: Cursor | None = None, size: int = PAGE_SIZE,
    cells_per_save: int | None = CELLS_PER_SAVE,
) -> HistoryPage:
    """The `size` newest entries before `cursor` (all sources merged), newest first."""
    event_entries, events = _events(submission, cursor, size, grids)
    entries = event_entries + _saves(submission, cursor, size) + _explanations(submission, cursor, size, grids)
    entries.sort(key=lambda e: (e.at, e.source, e.ident), reverse=True)
    page, more = entries[:size], len(entries) > size
    _fill_cells(submission, [e for e in page if e.source == SAVE], grids, cells_per_save)
    return HistoryPage(
        entries=page, older=page[-1].cursor if more else None, events=events,
        all_events=cursor is None and len(events) <= size,
    )


def one_save(*, submission: Submission, grids: dict, version: int) -> TimelineEntry | None:
    """Every cell of one save (bounded by the form, not by the history), or None if no such save."""
    found = (
        _save_records(submission).filter(changed_in_version=version).values("changed_in_version")
        .annotate(at=Max("history_date"), n=Count("history_id")).order_by("changed_in_version").first()
    )
    if found is None:
        return None
    entry = TimelineEntry(
        at=found["at"], who="", what=_("Cijfers opgeslagen (versie %(v)s)") % {"v": version}, items=[],
        source=SAVE, ident=version, version=version, cells=found["n"],
    )
    _fill_cells(submission, [entry], grids, None)
    return entry
