"""The staff's edition overview: the submissions of an edition with their state, a page at a time, in fixed queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from html import escape

from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_AP
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.partners.directory import search_q
from apps.partners.models import OrganisationKind, Subregion
from apps.submissions.models import STATUS_COLOURS, Edition, ReminderLog, Submission, Value, is_late


@dataclass
class OverviewRow:
    """One line of the overview, with its display strings prepared (1,000 rows render fast)."""

    pk: int
    slug: str
    status: str
    state: str  # not_started, draft, submitted, returned, approved, nothing_to_report, not_applicable
    state_label: str
    state_reason: str  # why "niets te melden" or "niet van toepassing"
    open_warnings: int
    edits_since_approval: int
    late: bool
    organisation: str
    organisation_detail: str
    form: str
    updated: str
    editor: str
    review_url: str
    updated_at: object = None  # the raw time, for sorting
    organisation_id: int = 0
    remindable: bool = False  # open edition, not yet delivered: staff may send a reminder now
    reminded_on: str = ""  # the last reminder (automatic or by hand) to this organisation for this edition


# Not yet delivered: what a reminder is for (the same states notifications._pending looks for).
REMINDABLE_STATES = frozenset({"not_started", "draft", "returned"})
STATE_LABELS = {
    "not_started": gettext_lazy("Niet begonnen"),
    "draft": gettext_lazy("Concept"),
    "submitted": gettext_lazy("Ingediend"),
    "returned": gettext_lazy("Teruggestuurd"),
    "approved": gettext_lazy("Goedgekeurd"),
    "nothing_to_report": gettext_lazy("Niets te melden"),
    "not_applicable": gettext_lazy("Niet van toepassing dit jaar"),
}
# Read as tuples, not model instances: a thousand Submission objects with four joined models cost
# more than the rest of the page together.
_FIELDS = (
    "pk",
    "status",
    "version",
    "open_findings",
    "submitted_at",
    "updated_at",
    "organisation__slug",
    "organisation__name",
    "organisation__short_name",
    "organisation_id",
    "organisation__kind",
    "organisation__subregion",
    "form__title",
    "last_edited_by__name",
    "last_edited_by__email",
    "completeness_reason",
    "under_correction",
)


# Kind, then name: the order staff know from the paper lists.
DEFAULT_ORDER = ("organisation__kind", "organisation__name", "form__order", "pk")


class _DateFormat:
    """`date_format(localtime(value), "j N Y H:i")` (DATETIME_FORMAT: "1 dec 2026 10:05") for many
    values, with the month names looked up once."""

    def __init__(self) -> None:
        self.months = {month: str(name) for month, name in MONTHS_AP.items()}
        self.zone = timezone.get_current_timezone()

    def __call__(self, value) -> str:
        local = value.astimezone(self.zone)
        return f"{local.day} {self.months[local.month]} {local.year} {local:%H:%M}"

    def day(self, value) -> str:
        """A date as DATE_FORMAT ("1 dec 2026")."""
        return f"{value.day} {self.months[value.month]} {value.year}"


def _last_reminders(edition: Edition, organisation_ids: set[int] | None) -> dict:
    """The day of the last reminder per organisation, in one grouped query (only an open edition sends them)."""
    if edition.status != Edition.Status.OPEN:
        return {}
    reminders = ReminderLog.objects.filter(edition=edition)
    if organisation_ids is not None:
        reminders = reminders.filter(organisation_id__in=organisation_ids)
    return dict(
        reminders.values("organisation_id").annotate(last=Max("sent_on")).values_list("organisation_id", "last")
    )


def _edits_since_approval(edition: Edition, submission_ids: set[int] | None) -> dict:
    """Values changed after approval, per submission, in one grouped query."""
    values = Value.objects.filter(
        submission__edition=edition,
        submission__approved_version__isnull=False,
        # Only a submission saved again after its approval can hold such values; saying so lets
        # the database skip the values of the (many) untouched approved submissions.
        submission__version__gt=F("submission__approved_version"),
        changed_in_version__gt=F("submission__approved_version"),
    )
    if submission_ids is not None:
        values = values.filter(submission_id__in=submission_ids)
    return dict(values.values("submission_id").annotate(n=Count("id")).values_list("submission_id", "n"))


def state_q(state: str) -> Q:
    """The submissions in an overview state ("not_started" is a draft never saved: version 1)."""
    if state == "not_started":
        return Q(status=Submission.Status.DRAFT, version=1)
    if state == "draft":
        return Q(status=Submission.Status.DRAFT) & ~Q(version=1)
    return Q(status=state)


def overview_submissions(
    *, edition: Edition, kind: str = "", subregion: str = "", q: str = "", status: str = "", ordering=DEFAULT_ORDER
):
    """The edition's submissions matching the filters, in the order given (read them with overview_rows).

    Filtering and ordering happen in the database, so a page of the overview reads 50 rows, not 1,000,
    and its count needs no join.
    """
    submissions = Submission.objects.filter(edition=edition)
    if kind:
        submissions = submissions.filter(organisation__kind=kind)
    if subregion:
        submissions = submissions.filter(organisation__subregion=subregion)
    if q := q.strip():
        submissions = submissions.filter(search_q(q, prefix="organisation__"))
    if status:
        submissions = submissions.filter(state_q(status))
    return submissions.order_by(*ordering)


def overview_rows(edition: Edition, submissions, *, whole: bool = False) -> list[OverviewRow]:
    """Rows of the overview for `submissions` (a queryset, also a sliced one: a page), in three queries
    whatever their number.

    `whole`: these are all the edition's (filtered) submissions (the CSV), so the edits and reminders
    are read for the edition rather than for a list of a thousand ids.
    """
    records = list(submissions.values_list(*_FIELDS))
    pks = None if whole else {record[0] for record in records}
    organisation_ids = None if whole else {record[9] for record in records}
    edits = _edits_since_approval(edition, pks) if whole or pks else {}
    reminded = _last_reminders(edition, organisation_ids) if whole or organisation_ids else {}

    review_prefix = reverse("review_submission", args=[0])[:-2]  # "/beheer/aanleveringen/"
    kinds = {value: str(label) for value, label in OrganisationKind.choices}
    subregions = {value: str(label) for value, label in Subregion.choices}
    date = _DateFormat()
    today = timezone.localdate()
    published = edition.status == Edition.Status.PUBLISHED
    sends_reminders = edition.status == Edition.Status.OPEN
    labels = {state: str(label) for state, label in STATE_LABELS.items()}
    not_delivered = _("Niet aangeleverd")
    rows = []
    for (
        pk, status, version, open_findings, submitted_at, updated_at, slug, name, short_name, organisation_id, org_kind,
        org_subregion, form_title, editor_name, editor_email, reason, under_correction,
    ) in records:
        state = "not_started" if status == Submission.Status.DRAFT and version == 1 else status
        label = labels[state]
        if under_correction:
            label = _("%(state)s (correctie)") % {"state": label}
        elif published and state in {"not_started", "draft", "returned"}:
            label = not_delivered
        detail = kinds.get(org_kind, "")
        if org_subregion:
            detail += f" · {subregions.get(org_subregion, '')}"
        rows.append(
            OverviewRow(
                pk=pk,
                slug=slug,
                status=status,
                state=state,
                state_label=label,
                state_reason=reason,
                open_warnings=open_findings,
                edits_since_approval=edits.get(pk, 0),
                late=is_late(
                    deadline=edition.deadline,
                    edition_status=edition.status,
                    status=status,
                    submitted_at=submitted_at,
                    today=today,
                    zone=date.zone,
                ),
                organisation=short_name or name,
                organisation_detail=detail,
                form=form_title,
                updated=date(updated_at),
                editor=editor_name or editor_email or "",
                review_url=f"{review_prefix}{pk}/",
                updated_at=updated_at,
                organisation_id=organisation_id,
                remindable=sends_reminders and state in REMINDABLE_STATES,
                reminded_on=date.day(reminded[organisation_id]) if organisation_id in reminded else "",
            )
        )
    return rows


def _late_q(edition: Edition) -> Q | None:
    """`models.is_late` as a condition, for counting in the database (None: nothing can be late)."""
    if edition.deadline is None:
        return None
    # Submitted on a (local) day after the deadline: at or after the midnight that ends it.
    day_after = timezone.make_aware(datetime.datetime.combine(edition.deadline + datetime.timedelta(days=1), datetime.time.min))
    late = Q(submitted_at__gte=day_after)
    if edition.status != Edition.Status.PUBLISHED and timezone.localdate() > edition.deadline:
        late |= Q(submitted_at__isnull=True, status__in=[Submission.Status.DRAFT, Submission.Status.RETURNED])
    return late


def overview_counts(*, edition: Edition, kind: str = "", subregion: str = "") -> dict:
    """The counters at the top, in one query: counted by the database, not from a thousand rows.

    Each submission counts in exactly one of open / waiting / approved: an approved one is not
    "ingediend" as well (that read "Ingediend 1 / Goedgekeurd 1" for one submission).
    """
    submissions = Submission.objects.filter(edition=edition)
    if kind:
        submissions = submissions.filter(organisation__kind=kind)
    if subregion:
        submissions = submissions.filter(organisation__subregion=subregion)
    S = Submission.Status
    late = _late_q(edition)
    counts = submissions.aggregate(
        expected=Count("pk"),
        open=Count("pk", filter=Q(status__in=[S.DRAFT, S.RETURNED])),
        submitted=Count("pk", filter=Q(status=S.SUBMITTED)),
        approved=Count("pk", filter=Q(status=S.APPROVED)),
        nothing_to_report=Count("pk", filter=Q(status=S.NOTHING_TO_REPORT)),
        not_applicable=Count("pk", filter=Q(status=S.NOT_APPLICABLE)),
        **({"late": Count("pk", filter=late)} if late is not None else {}),
    )
    counts.setdefault("late", 0)
    return counts


def edition_overview(*, edition: Edition, kind: str = "", subregion: str = "") -> tuple[list[OverviewRow], dict]:
    """Every row of the edition (kind, then name) and the counts at the top, in four queries whatever its size.

    Open findings are counted when a submission is saved (Submission.open_findings), so the
    overview never re-runs the rules for every organisation.
    """
    rows = overview_rows(edition, overview_submissions(edition=edition, kind=kind, subregion=subregion), whole=True)
    return rows, overview_counts(edition=edition, kind=kind, subregion=subregion)


_ROW_HTML = (
    '<tr data-organisation="{slug}"><td>{organisation}<span class="d-block small text-body-secondary">{detail}</span>{contact}</td>'
    "<td>{form}</td>"
    '<td><span class="badge status-badge text-bg-{colour}">{state}</span>{late}{reason}</td>'
    '<td class="small">{updated}{editor}</td>'
    '<td class="text-end">{warnings}</td><td class="text-end">{edits}</td>'
    '<td><div class="d-flex flex-column align-items-start gap-1">'
    '<a class="btn btn-sm text-nowrap {button}" href="{url}">'
    '{action}<span class="visually-hidden"> {organisation}</span></a>'
    "{reminder}</div></td></tr>"
)
# The buttons belong to the page's one form with the CSRF token (form="reminder-form", above the
# table), so a thousand rows do not carry a thousand forms.
_REMINDER_HTML = (
    '<button class="btn btn-sm btn-outline-secondary text-nowrap no-print" type="submit" form="reminder-form" '
    'name="organisation" value="{slug}" data-testid="send-reminder">'
    '{label}<span class="visually-hidden"> {organisation}</span></button>'
)
_REMINDED_HTML = '<span class="small text-body-secondary text-nowrap" data-testid="reminded-on">{text}</span>'


def render_rows(rows: list[OverviewRow], contacts: dict[int, list[tuple[str, str]]] | None = None) -> SafeString:
    """The table body as HTML: a thousand rows in milliseconds, not a second.

    Every value from the database goes through `html.escape`, which is what Django's `escape` does
    after its checks for lazy strings; those checks alone took half the time on 14,000 values.
    """
    late = format_html(' <span class="badge text-bg-danger">{}</span>', _("te laat"))
    review, view = escape(_("Beoordelen")), escape(_("Bekijken"))
    send = escape(_("Herinnering sturen"))
    reminded_on = _("herinnerd op %(date)s")
    lines = []
    for r in rows:
        submitted = r.state == "submitted"
        reminder = ""
        if r.remindable:
            reminder = _REMINDER_HTML.format(slug=escape(r.slug), label=send, organisation=escape(r.organisation))
        if r.reminded_on and r.state in REMINDABLE_STATES:
            reminder += _REMINDED_HTML.format(text=escape(reminded_on % {"date": r.reminded_on}))
        lines.append(
            _ROW_HTML.format(
                slug=escape(r.slug),
                contact="".join(
                    f'<a class="d-block small text-break" href="mailto:{escape(email)}">{escape(name)}</a>'
                    for name, email in (contacts or {}).get(r.organisation_id, [])
                ),
                organisation=escape(r.organisation),
                detail=escape(r.organisation_detail),
                form=escape(r.form),
                colour=STATUS_COLOURS[r.status],
                state=escape(r.state_label),
                late=late if r.late else "",
                reason=f'<span class="d-block small text-body-secondary">{escape(r.state_reason)}</span>' if r.state_reason else "",
                updated=escape(r.updated),
                editor=f'<span class="d-block text-body-secondary">{escape(r.editor)}</span>' if r.editor else "",
                warnings=int(r.open_warnings),
                edits=int(r.edits_since_approval),
                button="btn-primary" if submitted else "btn-outline-primary",
                url=escape(r.review_url),
                action=review if submitted else view,
                reminder=reminder,
            )
        )
    return mark_safe("\n".join(lines))  # every interpolated value is escaped above
