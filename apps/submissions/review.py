"""What a reviewer (and the coordinator) sees about a submission: comparison, findings, timeline."""

from __future__ import annotations

from dataclasses import dataclass

from apps.partners.models import AuditEvent, User
from apps.submissions import rules, services
from apps.submissions.models import Indicator, Submission, SubmissionEvent
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


@dataclass
class TimelineEntry:
    at: object
    who: str
    what: str
    comment: str = ""
    items: list | None = None


def timeline(submission: Submission) -> list[TimelineEntry]:
    """Workflow steps and saves of this submission, newest first."""
    entries = [
        TimelineEntry(
            at=e.at,
            who=e.actor.get_full_name() if e.actor else "systeem",
            what=f"{e.get_action_display()}{' (na de deadline)' if e.late else ''}",
            comment=e.comment,
            items=e.item_comments,
        )
        for e in SubmissionEvent.objects.filter(submission=submission).select_related("actor")
    ]
    entries += [
        TimelineEntry(at=a.at, who=a.actor_email or "systeem", what=a.summary)
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


def review_context(submission: Submission, *, user: User) -> dict:
    context = load_form_context(submission)
    figures = context.figures()
    findings = rules.evaluate(
        grids=context.grids,
        rules=context.rules,
        figures=figures,
        previous=context.previous_figures(),
        previous_year=context.previous.edition.year if context.previous else None,
    )
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
        "timeline": timeline(submission),
        "actions": services.allowed_actions(user, submission),
        "lock_reason": services.lock_reason(submission),
    }
