"""Business rules for editions and submissions. Views never write figures or statuses directly."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from apps.partners import access, audit
from apps.partners.models import AuditEvent, User
from apps.submissions.errors import SubmissionLocked, TransitionNotAllowed
from apps.submissions.models import (
    COMPLETE_WITHOUT_FIGURES,
    Edition,
    Explanation,
    Indicator,
    Submission,
    SubmissionEvent,
    Value,
)
from apps.submissions.history import explanation_label
from apps.submissions.selectors import CellId, load_form_context


@dataclass(frozen=True)
class Conflict:
    """A cell or explanation both people changed since the stale page was opened: theirs against mine."""

    label: str
    cell: CellId | None  # the cell, or None for an explanation
    key: str  # the explanation's warning key ("" for a cell)
    theirs: str
    mine: str
    base: str  # what both started from
    previous: str  # last year's approved value, "" if none
    who: str


class StaleVersion(Exception):
    """A stale save that overlaps a colleague's newer save; nothing was written.

    `conflicts` are the cells and explanations both changed (a deliberate choice is needed);
    `changes` names everything the colleague changed, for messages.
    """

    def __init__(self, changes: list[str], conflicts: list[Conflict] | None = None, version: int | None = None):
        self.changes = changes
        self.conflicts = conflicts or []
        self.version = version
        super().__init__(_("Iemand anders heeft deze aanlevering intussen gewijzigd."))


@dataclass(frozen=True)
class CellInput:
    number: int | None = None
    text: str = ""
    comment: str = ""


def _date(value: datetime.datetime | datetime.date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else "?"


def lock_reason(submission: Submission) -> str | None:
    """Why the submission cannot be edited now, in words a partner understands; None if editable."""
    contact = settings.VAR_CONTACT_EMAIL
    if submission.is_frozen:
        return _(
            "De editie %(year)s is gepubliceerd op %(date)s; alle aanleveringen daarvan zijn bevroren. "
            "Een correctie? Mail de VAR via %(contact)s."
        ) % {"year": submission.edition.year, "date": _date(submission.edition.published_at), "contact": contact}
    if submission.status == Submission.Status.APPROVED:
        approver = submission.approved_by.get_full_name() if submission.approved_by else _("de VAR")
        return _(
            "Goedgekeurd op %(date)s door %(name)s en daarom vergrendeld. "
            "Moet er iets veranderen? Vraag de VAR (%(contact)s) de aanlevering te heropenen."
        ) % {"date": _date(submission.approved_at), "name": approver, "contact": contact}
    if submission.status in COMPLETE_WITHOUT_FIGURES:
        return _(
            "%(state)s (%(reason)s): deze aanlevering telt als compleet zonder cijfers. Toch cijfers? "
            "Vraag de VAR (%(contact)s) haar terug te zetten."
        ) % {"state": submission.get_status_display(), "reason": submission.completeness_reason, "contact": contact}
    if submission.status == Submission.Status.SUBMITTED:
        return _(
            "Ingediend op %(date)s; de VAR beoordeelt de cijfers. U kunt weer wijzigen als de VAR de "
            "aanlevering terugstuurt. Vragen? Mail %(contact)s."
        ) % {"date": _date(submission.submitted_at), "contact": contact}
    return None


def open_findings(context, findings: list | None = None) -> list:
    """Errors plus warnings without an explanation: what still stands between a draft and submitting.

    `findings` are the rules' findings on the context's figures, where the caller has them already.
    """
    explained = {key for key, e in context.explanations.items() if e.text.strip()}
    return [f for f in (context.findings() if findings is None else findings) if f.is_error or f.key not in explained]


def _known(figures) -> dict:
    # A blank cell and a cell without a value are the same to every rule (both read as None).
    return {cell: number for cell, number in figures.items() if number is not None}


def _cell_label(grids, cell: CellId) -> str:
    grid = grids.get(cell[0])
    if grid is None:
        return cell[0]
    where = grid.label_of((cell[1], cell[2]))
    return grid.indicator.label if where == grid.indicator.label else f"{grid.indicator.label} – {where}"


_Cell = tuple[int | None, str, str]  # (number, text, comment) as stored


def _shown(kind: str, value: _Cell) -> str:
    """A cell's value in words for the conflict page."""
    number, text, comment = value
    if kind == Indicator.Kind.TEXT:
        shown = text
    elif number is None:
        shown = ""
    elif kind == Indicator.Kind.BOOLEAN:
        shown = _("Ja") if number else _("Nee")
    else:
        shown = str(number)
    return f"{shown} ({comment})" if comment else shown


def _cells_at_version(submission_id: int, value_ids: list[int], version: int) -> dict[int, _Cell]:
    """What these values held at `version`, from their history (one query); absent means blank then."""
    found: dict[int, _Cell] = {}
    rows = (
        Value.history.filter(submission_id=submission_id, id__in=value_ids, changed_in_version__lte=version)
        .order_by("id", "-changed_in_version", "-history_id")
        .values_list("id", "number", "text", "comment")
    )
    for pk, number, text, comment in rows:
        found.setdefault(pk, (number, text, comment))
    return found


def _explanations_at_version(submission_id: int, keys: list[str], version: int) -> dict[str, str]:
    found: dict[str, str] = {}
    rows = (
        Explanation.history.filter(submission_id=submission_id, key__in=keys, changed_in_version__lte=version)
        .exclude(history_type="-")
        .order_by("key", "-changed_in_version", "-history_id")
        .values_list("key", "text")
    )
    for key, text in rows:
        found.setdefault(key, text)
    return found


def _explanation_title(grids, key: str) -> str:
    """An explanation named by the warning it answers, never by its internal key (sum:code:row:col)."""
    return _("Toelichting %(where)s") % {"where": explanation_label(key, grids)}


def _names(user_ids: set[int | None]) -> dict[int | None, str]:
    names: dict[int | None, str] = {None: _("het systeem")}
    for user in User.objects.filter(pk__in=[pk for pk in user_ids if pk]):
        names[user.pk] = user.get_full_name() or user.email
    return names


def _merge_stale(
    *, context, base_version: int, cells: dict[CellId, CellInput], explanations: dict[str, str]
) -> tuple[dict[CellId, CellInput], dict[str, str], list[Conflict]]:
    """Three-way merge of a save based on an older version with what colleagues saved since.

    A cell the user left as it was at `base_version` takes the stored value (their newer work stays);
    a cell only the user changed is saved; a cell both changed to different values is a conflict.
    Nothing stale is ever written back.
    """
    theirs_cells = {cell: v for cell, v in context.values.items() if v.changed_in_version > base_version}
    theirs_expl = {k: e for k, e in context.explanations.items() if e.changed_in_version > base_version}
    base_cells = _cells_at_version(context.submission.pk, [v.pk for v in theirs_cells.values()], base_version)
    base_expl = _explanations_at_version(context.submission.pk, list(theirs_expl), base_version)
    previous = context.previous_values
    names = _names({v.updated_by_id for v in theirs_cells.values()} | {e.updated_by_id for e in theirs_expl.values()})
    keep_cells: dict[CellId, CellInput] = {}
    conflicts: list[Conflict] = []
    for cell, given in cells.items():
        stored = theirs_cells.get(cell)
        if stored is None:
            keep_cells[cell] = given
            continue
        kind = context.grids[cell[0]].indicator.kind if cell[0] in context.grids else Indicator.Kind.COUNT
        mine: _Cell = (given.number, given.text.strip(), given.comment.strip())
        now: _Cell = (stored.number, stored.text, stored.comment)
        base = base_cells.get(stored.pk, (None, "", ""))
        if mine == base or mine == now:
            continue  # untouched on this page, or the same change twice: the stored value stays
        prev = previous.get(cell)
        conflicts.append(
            Conflict(
                label=_cell_label(context.grids, cell),
                cell=cell,
                key="",
                theirs=_shown(kind, now),
                mine=_shown(kind, mine),
                base=_shown(kind, base),
                previous=_shown(kind, (prev.number, prev.text, prev.comment)) if prev else "",
                who=names.get(stored.updated_by_id, "?"),
            )
        )
    keep_expl: dict[str, str] = {}
    for key, text in explanations.items():
        stored_e = theirs_expl.get(key)
        if stored_e is None:
            keep_expl[key] = text
            continue
        mine_text = text.strip()
        if mine_text in {base_expl.get(key, ""), stored_e.text}:
            continue
        conflicts.append(
            Conflict(
                label=_explanation_title(context.grids, key),
                cell=None,
                key=key,
                theirs=stored_e.text,
                mine=mine_text,
                base=base_expl.get(key, ""),
                previous="",
                who=names.get(stored_e.updated_by_id, "?"),
            )
        )
    return keep_cells, keep_expl, conflicts


def stale_conflicts(*, context, base_version: int, cells: dict[CellId, CellInput], explanations: dict[str, str]) -> list[Conflict]:
    """Read-only: the conflicts a save of this input, based on `base_version`, would meet now."""
    if base_version >= context.submission.version:
        return []
    return _merge_stale(context=context, base_version=base_version, cells=cells, explanations=explanations)[2]


def changed_since(context, base_version: int) -> list[str]:
    """Labels of what colleagues saved after `base_version` (for 'kept your colleague's work' messages)."""
    labels = [_cell_label(context.grids, c) for c, v in context.values.items() if v.changed_in_version > base_version]
    labels += [
        _explanation_title(context.grids, k)
        for k, e in context.explanations.items()
        if e.changed_in_version > base_version
    ]
    return labels


_VALUE_FIELDS = ["number", "text", "comment", "changed_in_version", "updated_by", "updated_at"]


def _update_values(values: list[Value], *, version: int, user: User | None, now: datetime.datetime) -> None:
    """Write changed cells in one statement.

    Django's bulk_update builds a CASE expression per field and row; for a full police form
    (66 cells) that alone took some 300 ms of CPU per save. On PostgreSQL one UPDATE ... FROM
    (VALUES ...) does the same work; elsewhere (SQLite in tests) bulk_update stays.
    """
    if connection.vendor != "postgresql":
        Value.objects.bulk_update(values, _VALUE_FIELDS)
        return
    table = connection.ops.quote_name(Value._meta.db_table)
    # A form has a few hundred cells at most; batches keep far below the 65,535 parameters a query.
    for start in range(0, len(values), 5000):
        batch = values[start : start + 5000]
        rows = ", ".join(["(%s::bigint, %s::integer, %s::text, %s::text)"] * len(batch))
        params: list = [version, user.pk if user else None, now]
        for value in batch:
            params += [value.pk, value.number, value.text, value.comment]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS v SET number = d.number, text = d.text, comment = d.comment, "  # noqa: S608
                "changed_in_version = %s, updated_by_id = %s, updated_at = %s "
                f"FROM (VALUES {rows}) AS d(id, number, text, comment) WHERE v.id = d.id",
                params,
            )


@transaction.atomic
def save_values(
    *,
    submission_id: int,
    user: User | None,
    cells: dict[CellId, CellInput],
    explanations: dict[str, str],
    base_version: int,
    context=None,
    checked: tuple | None = None,
) -> int:
    """Store changed cells and explanations; return the number of changes.

    Refuses writes to locked submissions. A save based on an older version is merged with what was
    saved since (see `_merge_stale`); where both changed a value it raises StaleVersion and writes
    nothing. `context` is the form context the caller already loaded: it is reused when the
    submission has not changed since, so a save loads it once. Writes are bulk: the number of
    queries does not grow with the number of changed cells. `user=None` is the system itself
    (management commands such as load_demo); views always pass the person.
    """
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("edition", "organisation", "form", "approved_by")
        .get(pk=submission_id)
    )
    if user is not None and not access.can_edit_drafts(user, submission.organisation):
        raise PermissionDenied(_("U mag de cijfers van deze organisatie niet wijzigen."))
    if reason := lock_reason(submission):
        raise SubmissionLocked(reason)

    # Values read before the lock are only current if no save committed in between.
    if context is None or context.submission.pk != submission.pk or context.submission.version != submission.version:
        context = load_form_context(submission)
        checked = None  # computed on other figures than are stored now
    if not 0 <= base_version <= submission.version:
        base_version = 0  # a version from the future was tampered with: treat everything stored as newer
    if submission.version != base_version:
        cells, explanations, conflicts = _merge_stale(
            context=context, base_version=base_version, cells=cells, explanations=explanations
        )
        if conflicts:
            raise StaleVersion([c.label for c in conflicts], conflicts=conflicts, version=submission.version)

    indicators: dict[str, Indicator] = {g.indicator.code: g.indicator for g in context.grids.values()}
    valid_cells = {(code, *key) for code, grid in context.grids.items() for key in grid.keys()}
    new_version = submission.version + 1
    now = timezone.now()
    changes: list[dict] = []
    to_create: list[Value] = []
    to_update: list[Value] = []
    for cell, given in cells.items():
        if cell not in valid_cells:
            continue  # a tampered or outdated field name; the catalogue decides what exists
        current = context.values.get(cell)
        old = (current.number, current.text, current.comment) if current else (None, "", "")
        new = (given.number, given.text.strip(), given.comment.strip())
        if old == new:
            continue
        if current is None:
            current = Value(submission=submission, indicator=indicators[cell[0]], row=cell[1], col=cell[2])
            to_create.append(current)
        else:
            to_update.append(current)
        current.number, current.text, current.comment = new
        current.changed_in_version = new_version
        current.updated_by = user
        current.updated_at = now
        context.values[cell] = current
        changes.append({"cell": list(cell), "old": old[0] if old[0] is not None else old[1], "new": new[0] if new[0] is not None else new[1]})

    expl_create: list[Explanation] = []
    expl_update: list[Explanation] = []
    for key, text in explanations.items():
        text = text.strip()
        existing = context.explanations.get(key)
        if (existing.text if existing else "") == text:
            continue  # unchanged, or still empty: not a change
        if existing:
            # A cleared explanation keeps its row with an empty text: its history and version stay.
            existing.text, existing.updated_by, existing.updated_at = text, user, now
            existing.changed_in_version = new_version
            expl_update.append(existing)
        else:
            existing = Explanation(submission=submission, key=key, text=text, updated_by=user, changed_in_version=new_version)
            expl_create.append(existing)
            context.explanations[key] = existing
        changes.append({"explanation": key})

    if to_create:
        bulk_create_with_history(to_create, Value, default_user=user)
    if to_update:
        _update_values(to_update, version=new_version, user=user, now=now)
        bulk_update_with_history(to_update, Value, [], default_user=user)  # no fields: the history rows only
    if expl_create:
        bulk_create_with_history(expl_create, Explanation, default_user=user)
    if expl_update:
        bulk_update_with_history(expl_update, Explanation, ["text", "updated_by", "updated_at", "changed_in_version"], default_user=user)

    if changes:
        submission.version = new_version
        submission.last_edited_by = user
        # The context now holds the saved cells and explanations: no second load needed.
        known = checked[1] if checked is not None and _known(context.figures()) == _known(checked[0]) else None
        submission.open_findings = len(open_findings(context, findings=known))
        submission.save(update_fields=["version", "last_edited_by", "updated_at", "open_findings"])
        context.submission.version = new_version
        audit.record(
            action=AuditEvent.Action.VALUES_SAVED,
            actor=user,
            organisation=submission.organisation,
            obj=submission,
            summary=_("%(n)s wijziging(en) opgeslagen in %(form)s %(year)s")
            % {"n": len(changes), "form": submission.form.title, "year": submission.edition.year},
            data={"version": new_version, "cells": sum("cell" in c for c in changes), "changes": len(changes)},  # the cell history lives in HistoricalValue
        )
    return len(changes)


# -- the workflow ---------------------------------------------------------------------------------

Status = Submission.Status
Action = SubmissionEvent.Action


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    by_staff: bool  # True: VAR staff; False: the organisation's coordinator (access.can_submit)
    needs_comment: bool = False


# Every allowed move and who may make it; anything not in this table is refused.
TRANSITIONS: dict[str, Transition] = {
    Action.SUBMIT: Transition(frozenset({Status.DRAFT, Status.RETURNED}), Status.SUBMITTED, by_staff=False),
    Action.RETURN: Transition(frozenset({Status.SUBMITTED}), Status.RETURNED, by_staff=True, needs_comment=True),
    Action.APPROVE: Transition(frozenset({Status.SUBMITTED}), Status.APPROVED, by_staff=True),
    Action.REOPEN: Transition(frozenset({Status.APPROVED}), Status.DRAFT, by_staff=True, needs_comment=True),
    # Complete without figures: the partner has nothing to report, or the VAR does not ask it this
    # year; both with a reason, and staff can undo either (with a reason) back to a draft.
    Action.NOTHING_TO_REPORT: Transition(
        frozenset({Status.DRAFT, Status.RETURNED}), Status.NOTHING_TO_REPORT, by_staff=False, needs_comment=True
    ),
    Action.NOT_APPLICABLE: Transition(
        frozenset({Status.DRAFT, Status.RETURNED, Status.SUBMITTED, Status.NOTHING_TO_REPORT}),
        Status.NOT_APPLICABLE,
        by_staff=True,
        needs_comment=True,
    ),
    Action.RESTORE: Transition(
        frozenset({Status.NOTHING_TO_REPORT, Status.NOT_APPLICABLE}), Status.DRAFT, by_staff=True, needs_comment=True
    ),
}
# Steps a partner takes while the edition is open; a closed edition only lets the VAR act.
PARTNER_OPEN_ONLY = frozenset({Action.SUBMIT, Action.NOTHING_TO_REPORT})


# Who may take which step lives in access.py; these names stay for existing callers.
may_act = access.may_act
allowed_actions = access.allowed_actions


def submit_blockers(submission: Submission, *, context=None) -> list[str]:
    """What stands between this submission and submitting it: errors and unexplained warnings.

    `context` is the form context a page already loaded for this submission (loaded here if None).
    """
    pending = open_findings(context if context is not None else load_form_context(submission))
    return [_("Fout: %(m)s") % {"m": f.message} for f in pending if f.is_error] + [
        _("Toelichting ontbreekt: %(m)s") % {"m": f.message} for f in pending if not f.is_error
    ]


_AUDIT_ACTIONS = {
    Action.SUBMIT: AuditEvent.Action.SUBMITTED,
    Action.RETURN: AuditEvent.Action.RETURNED,
    Action.APPROVE: AuditEvent.Action.APPROVED,
    Action.REOPEN: AuditEvent.Action.REOPENED,
    Action.NOTHING_TO_REPORT: AuditEvent.Action.NOTHING_TO_REPORT,
    Action.NOT_APPLICABLE: AuditEvent.Action.NOT_APPLICABLE,
    Action.RESTORE: AuditEvent.Action.RESTORED,
}

_STATUS_WORDS = {
    Status.DRAFT: gettext_lazy("nog een concept"),
    Status.SUBMITTED: gettext_lazy("al ingediend"),
    Status.RETURNED: gettext_lazy("teruggestuurd"),
    Status.APPROVED: gettext_lazy("al goedgekeurd"),
    Status.NOTHING_TO_REPORT: gettext_lazy("afgemeld als niets te melden"),
    Status.NOT_APPLICABLE: gettext_lazy("niet van toepassing dit jaar"),
}


@transaction.atomic
def transition(
    *,
    submission_id: int,
    action: str,
    user: User,
    comment: str = "",
    item_comments: list[dict] | None = None,
) -> SubmissionEvent:
    """Move a submission one step; atomic, audited, and safe against double clicks."""
    if action not in TRANSITIONS:
        raise TransitionNotAllowed(_("Onbekende actie."))
    step = TRANSITIONS[action]
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("edition", "organisation", "form")
        .get(pk=submission_id)
    )
    if not may_act(user, submission, action):
        if action == Action.APPROVE and access.is_var_staff(user):  # four eyes: see access.may_act
            raise TransitionNotAllowed(_("U heeft deze aanlevering zelf ingediend; een collega keurt haar goed."))
        raise PermissionDenied(_("U mag deze stap niet zetten."))
    if submission.is_frozen:
        raise TransitionNotAllowed(
            _("De editie %(year)s is gepubliceerd; aanleveringen veranderen niet meer.") % {"year": submission.edition.year}
        )
    if submission.status not in step.sources:
        raise TransitionNotAllowed(
            _("Dit kan niet (meer): de aanlevering is %(state)s.") % {"state": _STATUS_WORDS[submission.status]}
        )
    comment = comment.strip()
    if step.needs_comment and not comment:
        raise TransitionNotAllowed(_("Geef een toelichting: die leest de ontvanger als reden."))
    if action in PARTNER_OPEN_ONLY and submission.edition.status == Edition.Status.CLOSED:
        raise TransitionNotAllowed(_("De editie is gesloten; neem contact op met de VAR."))
    if action == Action.SUBMIT:
        if blockers := submit_blockers(submission):
            raise TransitionNotAllowed(
                _("Nog niet klaar om in te dienen: %(list)s") % {"list": "; ".join(blockers[:5])}
            )

    now = timezone.now()
    changes: dict = {"status": step.target, "version": models.F("version") + 1, "updated_at": now}
    if action == Action.SUBMIT:
        changes["submitted_at"] = now
    elif action == Action.APPROVE:
        changes.update(approved_at=now, approved_by=user, approved_version=submission.version + 1)
    if step.target in COMPLETE_WITHOUT_FIGURES:
        changes["completeness_reason"] = comment[:500]
    elif action == Action.RESTORE:
        changes["completeness_reason"] = ""
    # The conditional update is the real guard: of two concurrent clicks only one matches.
    updated = Submission.objects.filter(pk=submission.pk, status=submission.status, version=submission.version).update(
        **changes
    )
    if updated != 1:
        raise TransitionNotAllowed(_("Iemand anders heeft deze aanlevering zojuist gewijzigd; laad de pagina opnieuw."))
    late = action == Action.SUBMIT and submission.edition.deadline is not None and timezone.localdate() > submission.edition.deadline
    event = SubmissionEvent.objects.create(
        submission=submission,
        at=now,
        actor=user,
        action=action,
        from_status=submission.status,
        to_status=step.target,
        comment=comment,
        item_comments=[c for c in (item_comments or []) if str(c.get("text", "")).strip()],
        late=late,
    )
    audit.record(
        action=_AUDIT_ACTIONS[action],
        actor=user,
        organisation=submission.organisation,
        obj=submission,
        summary=f"{event.get_action_display()}: {submission.form.title} {submission.edition.year}"
        + (f" – {comment[:200]}" if comment else ""),
        data={"from": submission.status, "to": step.target, "event": event.pk, "late": late},
    )
    from apps.submissions.tasks import notify_transition

    transaction.on_commit(lambda: notify_transition.delay(event.pk))
    return event


# -- edition management: moved to apps.submissions.editions; re-exported for existing callers ---------

from apps.submissions.editions import (  # noqa: E402  (editions imports this module lazily only)
    EditionError,
    change_edition,
    create_edition,
    open_edition,
    organisations_for_form,
    set_dates,
)

__all__ = [
    "CellInput",
    "EditionError",
    "StaleVersion",
    "SubmissionLocked",
    "TransitionNotAllowed",
    "change_edition",
    "create_edition",
    "open_edition",
    "organisations_for_form",
    "save_values",
    "set_dates",
    "transition",
]
