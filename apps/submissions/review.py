"""What a reviewer (and the coordinator) sees about a submission: comparison, findings, timeline."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from apps.partners.models import AuditEvent, User
from apps.submissions import services
from apps.submissions.changes import changes_since_last_return
from apps.submissions.models import Edition, Indicator, Submission, SubmissionEvent
from apps.submissions.selectors import load_form_context


@dataclass
class CompareRow:
    label: str
    current: int | None
    previous: int | None
    flagged: bool
    comment: str

    @property
    def diff(self) -> int | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def percentage(self) -> int | None:
        """The difference as a whole percentage of last year; none where last year was 0 or blank."""
        if self.diff is None or not self.previous:
            return None
        return round(self.diff * 100 / self.previous)


@dataclass
class TimelineEntry:
    at: object
    who: str
    what: str
    comment: str = ""
    items: list | None = None


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
        return _("bij %(label)s (totaal vergeleken met %(other)s)") % {"label": label, "other": other.indicator.label if other else where}
    row, __, col = where.partition(":")
    cell = grid.label_of((row, col))
    if cell and cell != label:
        label = f"{label} – {cell}"
    what = {"sum": _("totaal en som van de delen"), "part": _("deel groter dan totaal"), "yoy": _("verandering t.o.v. vorig jaar")}
    return _("bij %(label)s (%(what)s)") % {"label": label, "what": what.get(kind, _("waarschuwing"))}


def _change_lines(changes: list[dict], grids) -> list[dict]:
    """Turn the audit's recorded cell changes into 'label: old → new' lines."""
    lines = []
    for change in changes:
        if "cell" not in change:
            lines.append({"indicator": _("Toelichting"), "text": explanation_label(change.get("explanation", ""), grids)})
            continue
        code, row, col = change["cell"]
        grid = grids.get(code) if grids else None
        label = grid.indicator.label if grid else code
        where = grid.label_of((row, col)) if grid else f"{row} {col}".strip()
        if where and where != label:
            label = f"{label} – {where}"
        old = "leeg" if change.get("old") in (None, "") else change["old"]
        new = "leeg" if change.get("new") in (None, "") else change["new"]
        if isinstance(old, str) and len(old) > 60:
            old = old[:57] + "…"
        if isinstance(new, str) and len(new) > 60:
            new = new[:57] + "…"
        lines.append({"indicator": label, "text": f"{old} → {new}"})
    return lines


def timeline(submission: Submission, grids=None) -> list[TimelineEntry]:
    """Workflow steps and saves (with old → new per cell) of this submission, newest first."""
    entries = [
        TimelineEntry(
            at=e.at,
            who=e.actor.get_full_name() if e.actor else "systeem",
            what=f"{e.get_action_display()}{' (na de deadline)' if e.late else ''}",
            comment=e.comment,
            items=[
                {"indicator": grids[i["indicator"]].indicator.label if grids and i["indicator"] in grids else i["indicator"], "text": i["text"]}
                for i in e.item_comments
            ],
        )
        for e in SubmissionEvent.objects.filter(submission=submission).select_related("actor")
    ]
    entries += [
        TimelineEntry(
            at=a.at, who=a.actor_email or "systeem", what=a.summary, items=_change_lines(a.data.get("changes", []), grids)
        )
        for a in AuditEvent.objects.filter(
            action=AuditEvent.Action.VALUES_SAVED, object_type="submissions.submission", object_id=str(submission.pk)
        )
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def latest_review_comments(submission: Submission) -> tuple[SubmissionEvent | None, dict[str, str]]:
    """The last return (with its per-indicator remarks) while the submission is returned."""
    if submission.status != Submission.Status.RETURNED:
        return None, {}
    event = SubmissionEvent.objects.filter(submission=submission, action=SubmissionEvent.Action.RETURN).first()
    if event is None:
        return None, {}
    return event, {item["indicator"]: item["text"] for item in event.item_comments}


def latest_reopen(submission: Submission) -> SubmissionEvent | None:
    """The reopening that made this draft editable again, while nothing happened since.

    Like a return, a reopening carries a reason the organisation must see on its form, not only
    in the history.
    """
    if submission.status != Submission.Status.DRAFT:
        return None
    event = (
        SubmissionEvent.objects.filter(submission=submission)
        .exclude(action=SubmissionEvent.Action.READY)  # a hand-off inside the organisation changes nothing
        .select_related("actor")
        .first()
    )
    return event if event is not None and event.action == SubmissionEvent.Action.REOPEN else None


def staff_notice(submission: Submission) -> str | None:
    """What staff need to know on the review page; the partner's lock notice speaks to the partner."""
    if submission.edition.status == Edition.Status.PUBLISHED:
        return _("De editie %(year)s is gepubliceerd; deze aanlevering is bevroren.") % {"year": submission.edition.year}
    if submission.status == Submission.Status.APPROVED:
        approver = submission.approved_by.get_full_name() if submission.approved_by else _("de VAR")
        return _(
            "Goedgekeurd op %(date)s door %(name)s. Heropenen (met reden) maakt de aanlevering weer "
            "bewerkbaar voor de organisatie; de coördinatoren krijgen dan een e-mail."
        ) % {"date": formats.date_format(submission.approved_at, "DATE_FORMAT") if submission.approved_at else "?", "name": approver}
    if submission.status in {Submission.Status.DRAFT, Submission.Status.RETURNED}:
        return _("Nog niet ingediend: u ziet de stand van het concept. Beoordelen kan zodra de organisatie indient.")
    return None


def review_context(submission: Submission, *, user: User) -> dict:
    context = load_form_context(submission)
    findings = context.findings()
    flagged_cells = {(f.indicator_code, *cell) for f in findings for cell in f.cells}
    by_indicator: dict[str, list] = {}
    for finding in findings:
        explanation = context.explanations.get(finding.key)
        by_indicator.setdefault(finding.indicator_code, []).append((finding, explanation.text if explanation else ""))

    sections = []
    for section, grids in context.sections:
        blocks = []
        for grid in grids:
            code = grid.indicator.code
            if grid.indicator.kind == Indicator.Kind.TEXT:
                value = context.values.get((code, "", ""))
                prev = context.previous_values.get((code, "", ""))
                blocks.append({"grid": grid, "text": value.text if value else "", "previous_text": prev.text if prev else "",
                               "findings": by_indicator.get(code, [])})
                continue
            rows = []
            for key in grid.keys():
                cell = (code, *key)
                value = context.values.get(cell)
                prev = context.previous_values.get(cell)
                current = value.number if value else None
                previous = prev.number if prev else None
                if current is None and previous is None and not (value and value.comment):
                    continue
                rows.append(CompareRow(grid.label_of(key), current, previous, cell in flagged_cells, value.comment if value else ""))
            blocks.append({"grid": grid, "rows": rows, "findings": by_indicator.get(code, [])})
        sections.append((section, blocks))
    return {
        "submission": submission,
        "sections": sections,
        "previous": context.previous,
        "findings": findings,
        "timeline": timeline(submission, context.grids),
        "changes_since": changes_since_last_return(submission, context.grids),
        "actions": services.allowed_actions(user, submission),
        "lock_reason": staff_notice(submission),
    }
