"""The life of an edition: create, open, close, publish, correct and publish again as a revision.

Every move checks the edition's state and the user's role, runs in one transaction, writes a dotted
audit entry (`edition.created`, `edition.opened`, ...) and queues its mail when the transaction
commits. `user=None` is the system itself (management commands such as load_demo).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.partners import access, audit
from apps.partners.models import AuditEvent, Organisation, User
from apps.submissions.catalogue import load_catalogue
from apps.submissions.errors import TransitionNotAllowed
from apps.submissions.models import (
    COMPLETE_WITHOUT_FIGURES,
    Edition,
    EditionRevision,
    Form,
    Indicator,
    Submission,
    SubmissionEvent,
    Value,
    default_deadline,
)


class EditionError(TransitionNotAllowed):
    """A move of an edition that is not allowed now; the message says why, in Dutch."""


# A new edition gives partners at least this long, whatever the year it is created for.
MINIMUM_SUBMISSION_PERIOD = datetime.timedelta(weeks=6)
# Submission states that need nothing more before publication.
FINAL_STATES = frozenset({Submission.Status.APPROVED, *COMPLETE_WITHOUT_FIGURES})


def _date(value: datetime.date | datetime.datetime | None) -> str:
    return formats.date_format(value, "j F Y") if value else "?"


def _require_staff(user: User | None) -> None:
    if user is not None:
        access.require_staff(user)


def _locked(edition_id: int) -> Edition:
    return Edition.objects.select_for_update().get(pk=edition_id)


def default_dates(year: int, *, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Opening date and deadline of a new edition: the usual spring dates, never in the past.

    An edition created late (2025's in December 2026) opens today and gives six weeks.
    """
    today = today or timezone.localdate()
    opens_on = max(datetime.date(year + 1, 1, 1), today)
    deadline = max(default_deadline(year), today + MINIMUM_SUBMISSION_PERIOD, opens_on)
    return opens_on, deadline


def check_dates(opens_on: datetime.date | None, deadline: datetime.date | None) -> str | None:
    """The rule shared by the forms and the services: the deadline never lies before the opening."""
    if opens_on and deadline and deadline < opens_on:
        return _("De deadline (%(deadline)s) ligt vóór de openingsdatum (%(open)s).") % {
            "deadline": _date(deadline),
            "open": _date(opens_on),
        }
    return None


@transaction.atomic
def create_edition(
    *,
    year: int,
    created_by: User | None,
    opens_on: datetime.date | None = None,
    deadline: datetime.date | None = None,
) -> Edition:
    """Create an edition in preparation with its own snapshot of the catalogue."""
    _require_staff(created_by)
    default_open, default_close = default_dates(year)
    opens_on = opens_on or default_open
    deadline = deadline or max(default_close, opens_on)
    if error := check_dates(opens_on, deadline):
        raise EditionError(error)
    if Edition.objects.filter(year=year).exists():
        raise EditionError(_("Editie %(year)s bestaat al.") % {"year": year})
    edition = Edition.objects.create(year=year, opens_on=opens_on, deadline=deadline)
    load_catalogue(edition=edition)
    audit.record(
        action=AuditEvent.Action.EDITION_CREATED,
        actor=created_by,
        obj=edition,
        summary=_("Editie %(year)s aangemaakt: opent %(open)s, deadline %(deadline)s")
        % {"year": year, "open": _date(opens_on), "deadline": _date(deadline)},
        data={"year": year, "opens_on": str(opens_on), "deadline": str(deadline)},
    )
    return edition


def organisations_for_form(form: Form) -> list[Organisation]:
    orgs = Organisation.objects.active_in_year(form.edition.year)
    return [org for org in orgs if form.applies_to(org)]


def expected_submissions(edition: Edition) -> int:
    """How many submissions opening the edition creates (shown on the confirmation page)."""
    return sum(len(organisations_for_form(form)) for form in Form.objects.filter(edition=edition))


@transaction.atomic
def open_edition(*, edition: Edition, opened_by: User | None) -> int:
    """Open the edition: one submission per active organisation per applicable form.

    Idempotent on an open edition (it adds the submissions of organisations that joined since);
    the coordinators are mailed only when the edition opens.
    """
    _require_staff(opened_by)
    edition = _locked(edition.pk)
    if edition.status not in {Edition.Status.PREPARATION, Edition.Status.OPEN}:
        raise EditionError(_("Alleen een editie in voorbereiding kan worden geopend."))
    was_open = edition.status == Edition.Status.OPEN
    created = 0
    for form in Form.objects.filter(edition=edition):
        for organisation in organisations_for_form(form):
            __, was_created = Submission.objects.get_or_create(edition=edition, organisation=organisation, form=form)
            created += was_created
    edition.status = Edition.Status.OPEN
    edition.save(update_fields=["status"])
    audit.record(
        action=AuditEvent.Action.EDITION_OPENED,
        actor=opened_by,
        obj=edition,
        summary=_("Editie %(year)s geopend: %(n)s aanleveringen aangemaakt") % {"year": edition.year, "n": created},
        data={"created": created},
    )
    if not was_open and opened_by is not None:
        _mail_on_commit(edition.pk, "opened")
    return created


def _move(*, edition_id: int, user: User | None, sources: set[str], target: str, action: str, summary: str) -> Edition:
    """A plain status move of an edition: check role and state, save, audit."""
    _require_staff(user)
    edition = _locked(edition_id)
    _require_state(edition, sources)
    edition.status = target
    edition.save(update_fields=["status"])
    audit.record(action=action, actor=user, obj=edition, summary=summary % {"year": edition.year})
    return edition


@transaction.atomic
def close_edition(*, edition_id: int, user: User | None) -> Edition:
    """Close for submissions: partners can no longer submit; the VAR finishes its review."""
    return _move(
        edition_id=edition_id, user=user, sources={Edition.Status.OPEN}, target=Edition.Status.CLOSED,
        action=AuditEvent.Action.EDITION_CLOSED, summary=_("Editie %(year)s gesloten"),
    )


@transaction.atomic
def reopen_edition(*, edition_id: int, user: User) -> Edition:
    """Open a closed (never a published) edition again for submissions."""
    return _move(
        edition_id=edition_id, user=user, sources={Edition.Status.CLOSED}, target=Edition.Status.OPEN,
        action=AuditEvent.Action.EDITION_REOPENED, summary=_("Editie %(year)s weer geopend"),
    )


def _require_state(edition: Edition, states: set[str]) -> None:
    if edition.status not in states:
        raise EditionError(
            _("Editie %(year)s is %(status)s; dat kan nu niet.")
            % {"year": edition.year, "status": edition.status_label.lower()}
        )


@transaction.atomic
def set_dates(*, edition_id: int, user: User, opens_on: datetime.date | None, deadline: datetime.date | None) -> Edition:
    access.require_staff(user)
    edition = _locked(edition_id)
    if edition.status == Edition.Status.PUBLISHED:
        raise EditionError(_("Een gepubliceerde editie verandert niet meer."))
    if error := check_dates(opens_on, deadline):
        raise EditionError(error)
    old = {"opens_on": str(edition.opens_on), "deadline": str(edition.deadline)}
    edition.opens_on, edition.deadline = opens_on, deadline
    edition.save(update_fields=["opens_on", "deadline"])
    audit.record(
        action=AuditEvent.Action.EDITION_DATES_CHANGED,
        actor=user,
        obj=edition,
        summary=_("Editie %(year)s: opent %(open)s, deadline %(deadline)s")
        % {"year": edition.year, "open": _date(opens_on), "deadline": _date(deadline)},
        data={"old": old, "new": {"opens_on": str(opens_on), "deadline": str(deadline)}},
    )
    return edition


# -- completeness before publishing -----------------------------------------------------------------


@dataclass
class PendingSubmission:
    pk: int
    organisation: str
    form: str
    status: str
    status_label: str


# How many open submissions the close and publish confirmations list by name (see missing_shown).
MISSING_SHOWN = 25


@dataclass
class PublicationCheck:
    """What publishing would include: the confirmation page shows it and the service enforces it."""

    approved: int = 0
    nothing_to_report: int = 0
    not_applicable: int = 0
    missing: list[PendingSubmission] = field(default_factory=list)  # not (yet) in a final state
    unexplained_warnings: int = 0  # open findings of the approved submissions

    @property
    def expected(self) -> int:
        return self.approved + self.nothing_to_report + self.not_applicable + len(self.missing)

    # The confirmation pages name the first MISSING_SHOWN open submissions, each with two links (at
    # 1,000 of them the list alone took 370 ms to render); the edition overview has them all.
    @property
    def missing_shown(self) -> list[PendingSubmission]:
        return self.missing[:MISSING_SHOWN]

    @property
    def missing_more(self) -> int:
        return max(0, len(self.missing) - MISSING_SHOWN)

    @property
    def is_complete(self) -> bool:
        return not self.missing


def publication_check(edition: Edition, *, only_under_correction: bool = False) -> PublicationCheck:
    """Count the edition's submissions by what they contribute; two queries."""
    check = PublicationCheck()
    submissions = Submission.objects.filter(edition=edition).order_by("organisation__name", "form__order")
    if only_under_correction:
        submissions = submissions.filter(under_correction=True)
    labels = dict(Submission.Status.choices)
    for pk, status, findings, name, short, form in submissions.values_list(
        "pk", "status", "open_findings", "organisation__name", "organisation__short_name", "form__title"
    ):
        if status == Submission.Status.APPROVED:
            check.approved += 1
            check.unexplained_warnings += findings
        elif status == Submission.Status.NOTHING_TO_REPORT:
            check.nothing_to_report += 1
        elif status == Submission.Status.NOT_APPLICABLE:
            check.not_applicable += 1
        else:
            check.missing.append(PendingSubmission(pk, short or name, form, status, str(labels[status])))
    return check


# -- publishing and revisions ---------------------------------------------------------------------------


def snapshot(edition: Edition) -> dict:
    """The published figures: every approved value and each submission's state, keyed by name.

    Keys are "organisation|form|indicator|row|col" (slugs and codes, stable across renames of
    labels); blank cells are left out, as the monitor shows them as unknown anyway.
    """
    submissions = {
        f"{slug}|{form}": status
        for slug, form, status in Submission.objects.filter(edition=edition).values_list(
            "organisation__slug", "form__code", "status"
        )
    }
    values = {}
    for slug, form, code, row, col, number, text in (
        Value.objects.filter(submission__edition=edition, submission__status=Submission.Status.APPROVED)
        .order_by("pk")
        .values_list("submission__organisation__slug", "submission__form__code", "indicator__code", "row", "col", "number", "text")
    ):
        if number is not None:
            values[f"{slug}|{form}|{code}|{row}|{col}"] = number
        elif text:
            values[f"{slug}|{form}|{code}|{row}|{col}"] = text
    return {"submissions": submissions, "values": values}


def diff_snapshots(edition: Edition, old: dict, new: dict) -> list[dict]:
    """The changed numeric figures between two revisions, with the labels a reader needs."""
    before, after = old.get("values", {}), new.get("values", {})
    names = {slug: short or name for slug, short, name in Organisation.objects.values_list("slug", "short_name", "name")}
    indicators = {i.code: i for i in Indicator.objects.filter(edition=edition).select_related("row_dimension", "col_dimension")}
    labels = _category_labels(edition)
    changes = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key), after.get(key)
        if was == now or isinstance(was, str) or isinstance(now, str):
            continue  # texts are narratives, not figures
        slug, form, code, row, col = key.split("|")
        indicator = indicators.get(code)
        where = [labels.get(part, part) for part in (row, col) if part]
        changes.append(
            {
                "key": key,
                "organisation": names.get(slug, slug),
                "indicator": indicator.label if indicator else code,
                "cell": " – ".join(str(w) for w in where),
                "old": was,
                "new": now,
            }
        )
    return changes


def _category_labels(edition: Edition) -> dict[str, str]:
    from apps.submissions.models import TOTAL, Category

    labels = {code: label for code, label in Category.objects.filter(dimension__edition=edition).values_list("code", "label")}
    labels[TOTAL] = _("Totaal")
    return labels


@transaction.atomic
def publish_edition(
    *, edition_id: int, user: User | None, reason: str = "", published_at: datetime.datetime | None = None
) -> EditionRevision:
    """Publish a closed edition (revision 1), or a corrected one as the next revision.

    Refused while submissions are still open, unless staff give a reason (stored and shown with the
    edition). A correction is published only once all its reopened submissions are final again.
    `published_at` is for the system (the demo's historic editions) only.
    """
    _require_staff(user)
    edition = _locked(edition_id)
    reason = reason.strip()
    now = published_at if (published_at and user is None) else timezone.now()
    if edition.in_correction:
        return _publish_correction(edition, user=user, now=now)
    _require_state(edition, {Edition.Status.CLOSED})
    check = publication_check(edition)
    if check.missing and not reason:
        raise EditionError(
            _(
                "Nog %(n)s aanlevering(en) niet goedgekeurd of afgemeld. Publiceer pas als alles binnen is, "
                "of geef een reden op: die staat bij de editie."
            )
            % {"n": len(check.missing)}
        )
    figures = snapshot(edition)
    edition.status = Edition.Status.PUBLISHED
    edition.published_at = now
    edition.publish_reason = reason if check.missing else ""
    edition.revision = 1
    edition.save(update_fields=["status", "published_at", "publish_reason", "revision"])
    revision = EditionRevision.objects.create(edition=edition, number=1, published_at=now, published_by=user, figures=figures)
    audit.record(
        action=AuditEvent.Action.EDITION_PUBLISHED,
        actor=user,
        obj=edition,
        summary=_("Editie %(year)s gepubliceerd") % {"year": edition.year}
        + (_(" met %(n)s open aanlevering(en); reden: %(reason)s") % {"n": len(check.missing), "reason": reason} if check.missing else ""),
        data={
            "revision": 1,
            "approved": check.approved,
            "nothing_to_report": check.nothing_to_report,
            "not_applicable": check.not_applicable,
            "missing": len(check.missing),
            "unexplained_warnings": check.unexplained_warnings,
            "reason": edition.publish_reason,
        },
    )
    if user is not None:
        _mail_on_commit(edition.pk, "published")
    return revision


def _publish_correction(edition: Edition, *, user: User | None, now: datetime.datetime) -> EditionRevision:
    pending = publication_check(edition, only_under_correction=True).missing
    if pending:
        raise EditionError(
            _("De correctie is nog niet klaar: %(list)s moet eerst weer goedgekeurd zijn.")
            % {"list": ", ".join(f"{p.organisation} ({p.form})" for p in pending)}
        )
    previous = edition.revisions.order_by("-number").first()
    figures = snapshot(edition)
    changes = diff_snapshots(edition, previous.figures if previous else {}, figures)
    number = (previous.number if previous else 0) + 1
    revision = EditionRevision.objects.create(
        edition=edition,
        number=number,
        published_at=now,
        published_by=user,
        reason=edition.correction_reason,
        figures=figures,
        changes=changes,
    )
    Submission.objects.filter(edition=edition, under_correction=True).update(under_correction=False)
    edition.revision = number
    edition.correction_opened_at = None
    edition.correction_reason = ""
    edition.save(update_fields=["revision", "correction_opened_at", "correction_reason"])
    audit.record(
        action=AuditEvent.Action.EDITION_REVISION_PUBLISHED,
        actor=user,
        obj=edition,
        summary=_("Editie %(year)s opnieuw gepubliceerd als revisie %(n)s: %(reason)s")
        % {"year": edition.year, "n": number, "reason": revision.reason},
        data={"revision": number, "reason": revision.reason, "changes": changes[:200]},
    )
    if user is not None:
        _mail_on_commit(edition.pk, "revised")
    return revision


@transaction.atomic
def open_correction(*, edition_id: int, user: User, reason: str, submission_ids: list[int]) -> int:
    """Open a correction of a published edition: reopen only the named submissions, with the reason.

    The submissions go back to draft through the workflow (reopen, or restore for "niets te
    melden"/"niet van toepassing"); everything else stays frozen. Returns how many were reopened.
    """
    from apps.submissions import services

    access.require_staff(user)
    edition = _locked(edition_id)
    _require_state(edition, {Edition.Status.PUBLISHED})
    if edition.in_correction:
        raise EditionError(_("Er loopt al een correctie van editie %(year)s.") % {"year": edition.year})
    reason = reason.strip()
    if not reason:
        raise EditionError(_("Geef de reden van de correctie: die staat straks bij de herziene editie."))
    submissions = list(Submission.objects.filter(edition=edition, pk__in=submission_ids, status__in=FINAL_STATES))
    if not submissions or len(submissions) != len(set(submission_ids)):
        raise EditionError(_("Kies de aanlevering(en) die de correctie betreft; alleen goedgekeurde of afgemelde."))
    edition.correction_opened_at = timezone.now()
    edition.correction_reason = reason
    edition.save(update_fields=["correction_opened_at", "correction_reason"])
    Submission.objects.filter(pk__in=[s.pk for s in submissions]).update(under_correction=True)
    for submission in submissions:
        action = (
            SubmissionEvent.Action.REOPEN if submission.status == Submission.Status.APPROVED else SubmissionEvent.Action.RESTORE
        )
        services.transition(
            submission_id=submission.pk, action=action, user=user, comment=_("Correctie: %(reason)s") % {"reason": reason}
        )
    audit.record(
        action=AuditEvent.Action.EDITION_CORRECTION_OPENED,
        actor=user,
        obj=edition,
        summary=_("Correctie van editie %(year)s geopend: %(reason)s") % {"year": edition.year, "reason": reason},
        data={"reason": reason, "submissions": [s.pk for s in submissions]},
    )
    return len(submissions)


def change_edition(*, edition_id: int, move: str, user: User, reason: str = "") -> Edition:
    """The older entry point of the staff pages: close, reopen or publish by name."""
    if move == "close":
        return close_edition(edition_id=edition_id, user=user)
    if move == "reopen":
        return reopen_edition(edition_id=edition_id, user=user)
    if move == "publish":
        return publish_edition(edition_id=edition_id, user=user, reason=reason).edition
    raise PermissionDenied


def _mail_on_commit(edition_id: int, kind: str) -> None:
    from apps.submissions.tasks import notify_edition

    transaction.on_commit(lambda: notify_edition.delay(edition_id, kind))


# -- reading the revisions ------------------------------------------------------------------------------


@dataclass
class RevisionView:
    number: int
    published_at: datetime.datetime
    reason: str
    changes: list[dict]


def revision_history(
    edition: Edition, *, hide_below: int | None = None, own_organisations: Collection[int] = ()
) -> list[RevisionView]:
    """The edition's publications, newest first, with their changed figures (old -> new).

    `hide_below` (readers of the protected figures): a changed count of persons shows no number at
    all. Its old and new value are one organisation's figure, finer than the tables (which add up
    organisations and hide small counts and whatever would give them away): 7 -> 8 beside a table
    total of 12 would tell a reader that the others count 4 or 5. The reader's own organisations
    (`own_organisations`, ids) are the exception: they reported those figures themselves. Other
    figures (cases, checks) show as the tables show them, a small one as "< n".
    """
    persons = (
        set(Indicator.objects.filter(edition=edition, counts_persons=True).values_list("code", flat=True))
        if hide_below
        else set()
    )
    own = set(Organisation.objects.filter(pk__in=list(own_organisations)).values_list("slug", flat=True)) if persons else set()

    def shown(value, code: str, slug: str):
        if value is None:
            return "."
        if code in persons and slug not in own and isinstance(value, int):
            return _("afgeschermd")
        if hide_below and isinstance(value, int) and 0 < value < hide_below:
            return f"< {hide_below}"
        return value

    def change(c: dict) -> dict:
        slug, __, code = c["key"].split("|")[:3]
        return c | {"old": shown(c["old"], code, slug), "new": shown(c["new"], code, slug)}

    return [
        RevisionView(number=r.number, published_at=r.published_at, reason=r.reason, changes=[change(c) for c in r.changes])
        for r in edition.revisions.order_by("-number").defer("figures")  # the snapshot: every figure of the edition
    ]
