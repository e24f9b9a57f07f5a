"""What a reviewer (and the coordinator) sees about a submission: comparison, findings, timeline."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.partners import access
from apps.partners.models import User
from apps.submissions.changes import changes_since_last_return
from apps.submissions.forms import escaped
from apps.submissions.history import HistoryPage, history_page
from apps.submissions.models import Edition, Indicator, Submission, SubmissionEvent
from apps.submissions.selectors import form_catalogue, load_form_context


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


TIMELINE_SIZE = 10  # entries on the form and review pages; the history page has the rest
TIMELINE_CELLS = 10  # cells shown per save there


def timeline(submission: Submission, grids=None) -> HistoryPage:
    """The newest steps, saves (summarised, old → new for the first cells) and explanations.

    Bounded: never the whole past, which the history page (`history_views`) shows page by page.
    """
    return history_page(submission=submission, grids=grids or {}, size=TIMELINE_SIZE, cells_per_save=TIMELINE_CELLS)


def _newest(recent: HistoryPage | None, wanted) -> tuple[bool, SubmissionEvent | None]:
    """The newest event `wanted` accepts among those a timeline read already: (known, event).

    Unknown when the timeline read only the newest few and none of them was it: then ask the database.
    """
    if recent is None:
        return False, None
    event = next((e for e in recent.events if wanted(e)), None)
    return event is not None or recent.all_events, event


def latest_review_comments(
    submission: Submission, recent: HistoryPage | None = None
) -> tuple[SubmissionEvent | None, dict[str, str]]:
    """The last return (with its per-indicator remarks) while the submission is returned.

    `recent` is the page's timeline, if it has one: its events spare a query.
    """
    if submission.status != Submission.Status.RETURNED:
        return None, {}
    known, event = _newest(recent, lambda e: e.action == SubmissionEvent.Action.RETURN)
    if not known:
        event = SubmissionEvent.objects.filter(submission=submission, action=SubmissionEvent.Action.RETURN).first()
    if event is None:
        return None, {}
    return event, {item["indicator"]: item["text"] for item in event.item_comments}


def latest_reopen(submission: Submission, recent: HistoryPage | None = None) -> SubmissionEvent | None:
    """The reopening that made this draft editable again, while nothing happened since.

    Like a return, a reopening carries a reason the organisation must see on its form, not only
    in the history. `recent` is the page's timeline, if it has one: its events spare a query.
    """
    if submission.status != Submission.Status.DRAFT:
        return None
    # A hand-off inside the organisation changes nothing.
    known, event = _newest(recent, lambda e: e.action != SubmissionEvent.Action.READY)
    if not known:
        event = (
            SubmissionEvent.objects.filter(submission=submission)
            .exclude(action=SubmissionEvent.Action.READY)
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


# The comparison rows and findings are written here rather than by the template: a police form has
# some 70 rows and 70 findings, and walking them through the template engine was most of the page.
# The markup is the template's own (numbers localised as `{{ }}` does).


def _rows_html(rows: list[CompareRow]) -> SafeString:
    out = []
    for r in rows:
        diff = ""
        if r.diff is not None:
            diff = f"{r.diff:+d}"
            if r.percentage is not None:
                diff += f' <span class="text-body-secondary">({r.percentage:+d}%)</span>'
        current = "–" if r.current is None else escaped(formats.localize(r.current))
        previous = "–" if r.previous is None else escaped(formats.localize(r.previous))
        flagged = ' class="table-warning"' if r.flagged else ""
        out.append(
            f'\n<tr{flagged}><th scope="row" class="fw-normal">{escaped(r.label)}</th>'
            f'<td class="text-end">{current}</td><td class="text-end">{previous}</td>'
            f'<td class="text-end text-nowrap">{diff}</td><td class="small">{escaped(r.comment)}</td></tr>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped or a formatted number)


def _findings_html(findings: list) -> SafeString:
    out = []
    # Translated outside the f-strings: xgettext does not look inside them (the catalogue lost "geen").
    none, explained = escaped(_("geen")), escaped(_("Toelichting"))
    for f, explanation in findings:
        word = _("Fout") if f.is_error else _("Waarschuwing")
        said = f"<mark>{escaped(explanation)}</mark>" if explanation else f"<em>{none}</em>"
        out.append(
            f'<div class="alert alert-warning py-2 small mb-1"><strong>{escaped(word)}:</strong> '
            f"{escaped(f.message)}<br>\n<strong>{explained}:</strong> {said}</div>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


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
            blocks.append({"grid": grid, "rows": rows, "rows_html": _rows_html(rows), "findings": by_indicator.get(code, [])})
        for block in blocks:
            block["findings_html"] = _findings_html(block["findings"])
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
    """The form's indicator codes in the form's order, from the kept catalogue (no query)."""
    return list(form_catalogue(submission).grids)
