"""What a reviewer (and the coordinator) sees about a submission: comparison, findings, timeline."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.partners import access
from apps.partners.models import User
from apps.submissions.changes import changes_since_last_return
from apps.submissions.models import Edition, Explanation, Indicator, Submission, SubmissionEvent, Value
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


def _short(value) -> object:
    if value in (None, ""):
        return "leeg"
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


def _value_history(submission: Submission, grids) -> list[TimelineEntry]:
    """One entry per save, read from django-simple-history's records of the values: the only copy.

    Each save gives the cells it changed one submission version (changed_in_version), so the
    records of one save share it. Old → new comes from the record before it of the same cell.
    """
    grids_by_pk = {grid.indicator.pk: grid for grid in (grids or {}).values()}
    records = (
        Value.history.filter(submission_id=submission.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous: dict[int, object] = {}
    saves: dict[int, TimelineEntry] = {}
    for record in records:
        new = record.number if record.number is not None else record.text
        old = previous.get(record.id)
        previous[record.id] = new
        if record.history_type == "-":
            continue
        entry = saves.get(record.changed_in_version)
        if entry is None:
            who = record.history_user.email if record.history_user else "systeem"
            entry = saves[record.changed_in_version] = TimelineEntry(
                at=record.history_date, who=who, what=_("Cijfers opgeslagen (versie %(v)s)") % {"v": record.changed_in_version},
                items=[],
            )
        entry.at = max(entry.at, record.history_date)
        entry.items.append(
            {"indicator": _cell_label(grids_by_pk, record.indicator_id, record.row, record.col), "text": f"{_short(old)} → {_short(new)}"}
        )
    explanations = [
        TimelineEntry(
            at=record.history_date,
            who=record.history_user.email if record.history_user else "systeem",
            what=_("Toelichting verwijderd") if record.history_type == "-" else _("Toelichting bijgewerkt"),
            items=[{"indicator": _("Toelichting %(where)s") % {"where": explanation_label(record.key, grids)}, "text": _short(record.text)}],
        )
        for record in Explanation.history.filter(submission_id=submission.pk).select_related("history_user")
    ]
    return list(saves.values()) + explanations


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
    entries += _value_history(submission, grids)
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
        "actions": access.allowed_actions(user, submission),
        "lock_reason": staff_notice(submission),
    }


MAX_REMARK_LENGTH = 2000  # as the input's maxlength


class RemarksForm(forms.Form):
    """The reviewer's per-part remarks (`item-<indicator code>`), with the limits of every other text."""

    def __init__(self, data=None, *, codes: list[str]) -> None:
        super().__init__(data)
        for code in codes:
            self.fields[f"item-{code}"] = forms.CharField(
                required=False,
                max_length=MAX_REMARK_LENGTH,
                error_messages={
                    "max_length": gettext_lazy("Houd de opmerking korter dan 2.000 tekens (nu %(show_value)d)."),
                    "null_characters_not_allowed": gettext_lazy(
                        "De tekst bevat een onzichtbaar nul-teken; haal het weg (typ de tekst opnieuw)."
                    ),
                },
            )

    def item_comments(self) -> list[dict]:
        return [{"indicator": name[5:], "text": text} for name, text in self.cleaned_data.items() if text]

    def errors_by_code(self) -> dict[str, str]:
        return {name[5:]: " ".join(errors) for name, errors in self.errors.items()}


def remark_codes(submission: Submission) -> list[str]:
    return list(Indicator.objects.filter(section__form_id=submission.form_id).values_list("code", flat=True))
