"""Business rules for editions and submissions. Views never write figures or statuses directly."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from apps.partners import access, audit
from apps.partners.models import AuditEvent, Organisation, User
from apps.submissions.catalogue import load_catalogue
from apps.submissions.models import Edition, Explanation, Form, Indicator, Submission, Value, default_deadline
from apps.submissions.selectors import CellId, load_form_context


class SubmissionLocked(Exception):
    """A write to a submission that may not change; the message says why and whom to contact."""


class StaleVersion(Exception):
    """The submission changed since the user opened it."""

    def __init__(self, changes: list[str]):
        self.changes = changes
        super().__init__(_("Iemand anders heeft deze aanlevering intussen gewijzigd."))


@dataclass(frozen=True)
class CellInput:
    number: int | None = None
    text: str = ""
    comment: str = ""


def _date(value: datetime.datetime | datetime.date | None) -> str:
    return formats.date_format(value, "j F Y") if value else "?"


def lock_reason(submission: Submission) -> str | None:
    """Why the submission cannot be edited now, in words a partner understands; None if editable."""
    contact = settings.VAR_CONTACT_EMAIL
    if submission.edition.status == Edition.Status.PUBLISHED:
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
    if submission.status == Submission.Status.SUBMITTED:
        return _(
            "Ingediend op %(date)s; de VAR beoordeelt de cijfers. U kunt weer wijzigen als de VAR de "
            "aanlevering terugstuurt. Vragen? Mail %(contact)s."
        ) % {"date": _date(submission.submitted_at), "contact": contact}
    return None


def _cell_label(grids, cell: CellId) -> str:
    grid = grids.get(cell[0])
    if grid is None:
        return cell[0]
    where = grid.label_of((cell[1], cell[2]))
    return grid.indicator.label if where == grid.indicator.label else f"{grid.indicator.label} – {where}"


@transaction.atomic
def save_values(
    *,
    submission_id: int,
    user: User | None,
    cells: dict[CellId, CellInput],
    explanations: dict[str, str],
    base_version: int,
) -> int:
    """Store changed cells and explanations; return the number of changed cells.

    Refuses writes to locked submissions and saves based on an older version. `user=None` is the
    system itself (management commands such as load_demo); views always pass the person.
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

    context = load_form_context(submission)
    if submission.version != base_version:
        changed = [
            _cell_label(context.grids, cell)
            for cell, value in context.values.items()
            if value.changed_in_version > base_version
        ]
        changed += [
            _("Toelichting: %(key)s") % {"key": key}
            for key, e in context.explanations.items()
            if e.updated_at and submission.updated_at and e.updated_at >= submission.updated_at
        ]
        raise StaleVersion(changed)

    indicators: dict[str, Indicator] = {g.indicator.code: g.indicator for g in context.grids.values()}
    valid_cells = {(code, *key) for code, grid in context.grids.items() for key in grid.keys()}
    new_version = submission.version + 1
    changes: list[dict] = []
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
        current.number, current.text, current.comment = new
        current.changed_in_version = new_version
        current.updated_by = user
        current._history_user = user  # value history names the person, also outside a request
        current.save()
        changes.append({"cell": list(cell), "old": old[0] if old[0] is not None else old[1], "new": new[0] if new[0] is not None else new[1]})

    for key, text in explanations.items():
        text = text.strip()
        existing = context.explanations.get(key)
        if existing and existing.text == text:
            continue
        if existing and not text:
            existing.delete()
        elif existing:
            existing.text, existing.updated_by = text, user
            existing._history_user = user
            existing.save()
        elif text:
            Explanation.objects.create(submission=submission, key=key, text=text, updated_by=user)
        changes.append({"explanation": key})

    if changes:
        submission.version = new_version
        submission.last_edited_by = user
        submission.save(update_fields=["version", "last_edited_by", "updated_at"])
        audit.record(
            action=AuditEvent.Action.VALUES_SAVED,
            actor=user,
            organisation=submission.organisation,
            obj=submission,
            summary=_("%(n)s wijziging(en) opgeslagen in %(form)s %(year)s")
            % {"n": len(changes), "form": submission.form.title, "year": submission.edition.year},
            data={"version": new_version, "changes": changes[:200]},
        )
    return len(changes)


@transaction.atomic
def create_edition(
    *, year: int, created_by: User | None, opens_on: datetime.date | None = None, deadline: datetime.date | None = None
) -> Edition:
    """Create an edition in preparation with its own snapshot of the catalogue."""
    if created_by is not None:
        access.require_staff(created_by)
    edition = Edition.objects.create(
        year=year, opens_on=opens_on or datetime.date(year + 1, 1, 1), deadline=deadline or default_deadline(year)
    )
    load_catalogue(edition=edition)
    return edition


def organisations_for_form(form: Form) -> list[Organisation]:
    orgs = Organisation.objects.active_in_year(form.edition.year)
    return [org for org in orgs if form.applies_to(org)]


@transaction.atomic
def open_edition(*, edition: Edition, opened_by: User | None) -> int:
    """Open the edition: one submission per active organisation per applicable form. Idempotent."""
    if opened_by is not None:
        access.require_staff(opened_by)
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.status not in {Edition.Status.PREPARATION, Edition.Status.OPEN}:
        raise SubmissionLocked(_("Alleen een editie in voorbereiding kan worden geopend."))
    created = 0
    for form in Form.objects.filter(edition=edition):
        for organisation in organisations_for_form(form):
            __, was_created = Submission.objects.get_or_create(edition=edition, organisation=organisation, form=form)
            created += was_created
    edition.status = Edition.Status.OPEN
    edition.save(update_fields=["status"])
    audit.record(
        action=AuditEvent.Action.SUBMISSION,
        actor=opened_by,
        obj=edition,
        summary=_("Editie %(year)s geopend: %(n)s aanleveringen aangemaakt") % {"year": edition.year, "n": created},
    )
    return created
