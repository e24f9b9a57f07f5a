"""Withdrawing a correction of a published edition: back to exactly what was published.

`editions.open_correction` reopens the submissions a correction concerns; when the correction turns
out not to be needed (opened for the wrong submission, or the partner confirms the figures), VAR
staff withdraw it here instead of publishing a revision that changes nothing. Each reopened
submission gets back the state and the figures of the last published revision (its snapshot), as a
new version of the submission, so the value history shows who restored which cell and when; the
workflow log gets a step with the reason, the coordinators a mail, and the audit log one entry.
Explanations and cell comments written during the correction stay: they are not part of what was
published, and the reviewer read them.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from apps.partners import access, audit
from apps.partners.models import AuditEvent, User
from apps.submissions.editions import EditionError, _locked, _require_state
from apps.submissions.models import Edition, Indicator, Submission, SubmissionEvent, Value


def _restore_values(submission: Submission, published: dict, *, user: User, version: int) -> int:
    """Set the submission's cells to the published ones (a cell not in the snapshot was blank)."""
    prefix = f"{submission.organisation.slug}|{submission.form.code}|"
    wanted: dict[tuple[str, str, str], int | str] = {}
    for key, value in published.items():
        if key.startswith(prefix):
            code, row, col = key[len(prefix) :].split("|")
            wanted[(code, row, col)] = value
    restored = 0
    current = {(v.indicator.code, v.row, v.col): v for v in submission.values.select_related("indicator")}
    for cell, value in current.items():
        target = wanted.pop(cell, None)
        number = target if isinstance(target, int) else None
        text = target if isinstance(target, str) else ""
        if (value.number, value.text) != (number, text):
            value.number, value.text = number, text
            value.changed_in_version, value.updated_by = version, user
            value._history_user = user  # django-simple-history's documented way to name who changed it
            value.save()  # one history record per restored cell
            restored += 1
    # Rows are never deleted (models.Value), so every published cell has one; should one be missing
    # all the same, it is written, so that the restore is complete.
    if wanted:
        indicators = {
            i.code: i
            for i in Indicator.objects.filter(edition_id=submission.edition_id, code__in={c[0] for c in wanted})
        }
        for (code, row, col), target in wanted.items():
            value = Value(
                submission=submission, indicator=indicators[code], row=row, col=col,
                number=target if isinstance(target, int) else None, text=target if isinstance(target, str) else "",
                changed_in_version=version, updated_by=user,
            )  # fmt: skip
            value._history_user = user
            value.save()
            restored += 1
    return restored


@transaction.atomic
def cancel_correction(*, edition_id: int, user: User, reason: str) -> int:
    """Withdraw the running correction; returns how many submissions went back to their published state."""
    from apps.submissions.tasks import notify_transition

    access.require_staff(user)
    edition = _locked(edition_id)
    _require_state(edition, {Edition.Status.PUBLISHED})
    if not edition.in_correction:
        raise EditionError(_("Er loopt geen correctie van editie %(year)s.") % {"year": edition.year})
    reason = reason.strip()
    if not reason:
        raise EditionError(_("Geef de reden waarom de correctie wordt ingetrokken: die komt in de auditlog."))
    revision = edition.revisions.order_by("-number").first()
    if revision is None:  # a published edition always has revision 1; refuse rather than guess
        raise EditionError(
            _("Editie %(year)s heeft geen gepubliceerde revisie om naar terug te gaan.") % {"year": edition.year}
        )
    statuses, values = revision.figures.get("submissions", {}), revision.figures.get("values", {})
    submissions = list(
        Submission.objects.select_for_update(of=("self",))
        .filter(edition=edition, under_correction=True)
        .select_related("organisation", "form")
        .order_by("pk")
    )
    events, restored_cells = [], 0
    for submission in submissions:
        published_status = statuses.get(
            f"{submission.organisation.slug}|{submission.form.code}", Submission.Status.APPROVED
        )
        version = submission.version + 1
        restored = 0
        if published_status == Submission.Status.APPROVED:
            restored = _restore_values(submission, values, user=user, version=version)
        from_status = submission.status
        submission.status, submission.under_correction = published_status, False
        fields = ["status", "under_correction"]
        if restored:
            submission.version = version
            fields.append("version")
        submission.save(update_fields=fields)
        events.append(
            SubmissionEvent.objects.create(
                submission=submission,
                actor=user,
                action=SubmissionEvent.Action.CANCEL_CORRECTION,
                from_status=from_status,
                to_status=published_status,
                comment=reason,
            )
        )
        restored_cells += restored
    edition.correction_opened_at = None
    edition.correction_reason = ""
    edition.save(update_fields=["correction_opened_at", "correction_reason"])
    audit.record(
        action=AuditEvent.Action.EDITION_CORRECTION_CANCELLED,
        actor=user,
        obj=edition,
        summary=_("Correctie van editie %(year)s ingetrokken: %(reason)s") % {"year": edition.year, "reason": reason},
        data={
            "reason": reason,
            "revision": revision.number,
            "submissions": [s.pk for s in submissions],
            "restored_cells": restored_cells,
        },
    )
    for event in events:
        transaction.on_commit(lambda pk=event.pk: notify_transition.delay(pk))
    return len(submissions)
