"""A contributor's hand-off: "klaar voor de coördinator". No status of its own: the draft stays
a draft; an event in its history, an audit entry and a mail to the coordinators say it is ready.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from apps.partners import access, audit
from apps.partners.models import AuditEvent, User
from apps.submissions.models import Submission, SubmissionEvent
from apps.submissions.services import TransitionNotAllowed, lock_reason


def may_hand_off(user: User, submission: Submission) -> bool:
    """Those who fill in but may not submit: the contributors."""
    return access.can_edit_drafts(user, submission.organisation) and not access.can_submit(user, submission.organisation)


@transaction.atomic
def mark_ready_for_coordinator(*, submission_id: int, user: User, note: str = "") -> SubmissionEvent:
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("edition", "organisation", "form", "approved_by")
        .get(pk=submission_id)
    )
    if not may_hand_off(user, submission):
        raise PermissionDenied(_("Alleen invoerders melden een aanlevering klaar voor de coördinator."))
    if reason := lock_reason(submission):
        raise TransitionNotAllowed(reason)
    note = note.strip()[:2000]
    event = SubmissionEvent.objects.create(
        submission=submission,
        actor=user,
        action=SubmissionEvent.Action.READY,
        from_status=submission.status,
        to_status=submission.status,
        comment=note,
    )
    audit.record(
        action=AuditEvent.Action.HANDED_OFF,
        actor=user,
        organisation=submission.organisation,
        obj=submission,
        summary=f"Klaar voor de coördinator: {submission.form.title} {submission.edition.year}" + (f" – {note[:200]}" if note else ""),
        data={"event": event.pk, "handoff": True},
    )
    from apps.submissions.tasks import notify_transition

    transaction.on_commit(lambda: notify_transition.delay(event.pk))
    return event
