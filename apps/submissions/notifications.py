"""Emails of the workflow and the deadline reminders."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.partners.models import STAFF_ROLES, Membership, Organisation, Role
from apps.submissions.models import Edition, ReminderLog, Submission, SubmissionEvent


def _emails(memberships) -> list[str]:
    return sorted({m.user.email for m in memberships if m.user.is_active})


def staff_emails() -> list[str]:
    return _emails(Membership.objects.filter(role__in=STAFF_ROLES, organisation__is_var=True).select_related("user"))


def coordinator_emails(organisation: Organisation) -> list[str]:
    return _emails(Membership.objects.filter(organisation=organisation, role=Role.COORDINATOR).select_related("user"))


def coordinator_names(organisation: Organisation) -> list[str]:
    """Who submits for the organisation, as a contributor should read it."""
    members = Membership.objects.filter(organisation=organisation, role=Role.COORDINATOR, user__is_active=True)
    return [m.user.get_full_name() for m in members.select_related("user").order_by("user__name", "user__email")]


def _send(template: str, context: dict, recipients: list[str], subject: str) -> int:
    if not recipients:
        return 0
    context = context | {"site_url": settings.SITE_URL, "contact": settings.VAR_CONTACT_EMAIL}
    return send_mail(
        subject=subject,
        message=render_to_string(template, context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def notify_transition(*, event_id: int) -> int:
    """Tell VAR staff about a submission; tell the coordinators about a return, approval or reopening."""
    event = SubmissionEvent.objects.select_related(
        "submission__organisation", "submission__form", "submission__edition", "actor"
    ).get(pk=event_id)
    submission = event.submission
    context = {
        "event": event,
        "submission": submission,
        "review_url": settings.SITE_URL + reverse("review_submission", args=[submission.pk]),
        "form_url": settings.SITE_URL + reverse("submission_form", args=[submission.pk]),
    }
    title = f"{submission.organisation} – {submission.form.title} {submission.edition.year}"
    if event.action == SubmissionEvent.Action.SUBMIT:
        return _send("submissions/email/submitted.txt", context, staff_emails(), f"Ingediend: {title}")
    if event.action == SubmissionEvent.Action.RETURN:
        return _send(
            "submissions/email/returned.txt", context, coordinator_emails(submission.organisation), f"Teruggestuurd: {title}"
        )
    if event.action == SubmissionEvent.Action.APPROVE:
        return _send(
            "submissions/email/approved.txt", context, coordinator_emails(submission.organisation), f"Goedgekeurd: {title}"
        )
    if event.action == SubmissionEvent.Action.READY:
        return _send(
            "submissions/email/ready.txt", context, coordinator_emails(submission.organisation), f"Klaar om in te dienen: {title}"
        )
    if event.action == SubmissionEvent.Action.REOPEN:
        return _send(
            "submissions/email/reopened.txt", context, coordinator_emails(submission.organisation), f"Heropend: {title}"
        )
    if event.action == SubmissionEvent.Action.CANCEL_CORRECTION:
        return _send(
            "submissions/email/correction_cancelled.txt", context, coordinator_emails(submission.organisation),
            f"Correctie ingetrokken: {title}",
        )  # fmt: skip
    return 0


class ReminderAlreadySent(Exception):
    """A manual reminder went to this organisation today already."""


MANUAL_REMINDER = "handmatig"


def _pending(edition: Edition, organisation: Organisation) -> list[Submission]:
    return list(
        Submission.objects.filter(
            edition=edition, organisation=organisation, status__in=[Submission.Status.DRAFT, Submission.Status.RETURNED]
        ).select_related("form")
    )


def send_reminder_now(*, edition: Edition, organisation: Organisation, user, request=None) -> None:
    """Staff's "stuur nu een herinnering": at most once a day per organisation, audited, mail queued."""
    from apps.partners import access, audit
    from apps.partners.models import AuditEvent

    access.require_staff(user)
    if not _pending(edition, organisation):
        raise ReminderAlreadySent(_("%(org)s heeft niets meer in te dienen voor %(year)s.") % {"org": organisation, "year": edition.year})
    recipients = coordinator_emails(organisation)
    if not recipients:
        raise ReminderAlreadySent(_("%(org)s heeft geen coördinator om een herinnering aan te sturen.") % {"org": organisation})
    try:
        with transaction.atomic():
            ReminderLog.objects.create(
                edition=edition, organisation=organisation, kind=MANUAL_REMINDER, sent_on=timezone.localdate()
            )
            audit.record(
                action=AuditEvent.Action.REMINDER_SENT,
                actor=user,
                organisation=organisation,
                obj=edition,
                summary=f"Herinnering verstuurd aan {organisation} voor {edition.year}",
                data={"reminder": MANUAL_REMINDER, "to": recipients},
                request=request,
            )
            from apps.submissions.tasks import send_reminder_mail

            transaction.on_commit(lambda: send_reminder_mail.delay(edition.pk, organisation.pk))
    except IntegrityError:
        raise ReminderAlreadySent(_("%(org)s heeft vandaag al een herinnering gekregen.") % {"org": organisation}) from None


def mail_reminder(*, edition_id: int, organisation_id: int) -> int:
    """The reminder mail itself, to the organisation's coordinators."""
    edition = Edition.objects.get(pk=edition_id)
    organisation = Organisation.objects.get(pk=organisation_id)
    submissions = _pending(edition, organisation)
    if not submissions:
        return 0
    days_left = (edition.deadline - timezone.localdate()).days if edition.deadline else 0
    context = {
        "edition": edition,
        "organisation": organisation,
        "submissions": submissions,
        "overdue": days_left < 0,
        "days_left": days_left,
        "links": [settings.SITE_URL + reverse("submission_form", args=[s.pk]) for s in submissions],
    }
    return _send(
        "submissions/email/reminder.txt", context, coordinator_emails(organisation), f"Herinnering: Mensenhandelmonitor {edition.year}"
    )


def reminder_kind(edition: Edition, today: datetime.date) -> str | None:
    """Which reminder is due today: N days before the deadline, or weekly once overdue."""
    if edition.deadline is None:
        return None
    days_left = (edition.deadline - today).days
    if days_left in settings.REMINDER_DAYS_BEFORE_DEADLINE:
        return f"voor-{days_left}"
    if days_left < 0 and (-days_left) % 7 == 0:
        return "te-laat"
    return None


def send_deadline_reminders(*, today: datetime.date | None = None) -> int:
    """Remind organisations that have not submitted; idempotent per organisation, kind and day."""
    today = today or timezone.localdate()
    sent = 0
    for edition in Edition.objects.filter(status=Edition.Status.OPEN):
        kind = reminder_kind(edition, today)
        if kind is None:
            continue
        pending = (
            Submission.objects.filter(edition=edition, status__in=[Submission.Status.DRAFT, Submission.Status.RETURNED])
            .select_related("organisation", "form")
            .order_by("organisation__name")
        )
        by_org: dict[int, list[Submission]] = {}
        for submission in pending:
            by_org.setdefault(submission.organisation_id, []).append(submission)
        for submissions in by_org.values():
            organisation = submissions[0].organisation
            try:
                with transaction.atomic():
                    ReminderLog.objects.create(edition=edition, organisation=organisation, kind=kind, sent_on=today)
            except IntegrityError:
                continue  # already reminded today
            context = {
                "edition": edition,
                "organisation": organisation,
                "submissions": submissions,
                "overdue": kind == "te-laat",
                "days_left": (edition.deadline - today).days,
                "links": [settings.SITE_URL + reverse("submission_form", args=[s.pk]) for s in submissions],
            }
            subject = (
                f"Deadline verstreken: Mensenhandelmonitor {edition.year}"
                if kind == "te-laat"
                else f"Herinnering: Mensenhandelmonitor {edition.year} uiterlijk {edition.deadline:%d-%m-%Y}"
            )
            sent += _send("submissions/email/reminder.txt", context, coordinator_emails(organisation), subject)
    return sent


EDITION_MAILS = {
    # kind: (template, subject)
    "opened": ("submissions/email/edition_opened.txt", "Mensenhandelmonitor {year}: de aanlevering is geopend"),
    "published": ("submissions/email/edition_published.txt", "Mensenhandelmonitor {year} is gepubliceerd"),
    "revised": ("submissions/email/edition_published.txt", "Mensenhandelmonitor {year} is herzien"),
}


def notify_edition(*, edition_id: int, kind: str) -> int:
    """Tell every coordinator with a submission in the edition that it opened or was (re)published."""
    edition = Edition.objects.get(pk=edition_id)
    template, subject = EDITION_MAILS[kind]
    organisations = Organisation.objects.filter(submissions__edition=edition).distinct().order_by("name")
    sent = 0
    for organisation in organisations:
        submissions = list(
            Submission.objects.filter(edition=edition, organisation=organisation).select_related("form").order_by("form__order")
        )
        context = {
            "edition": edition,
            "organisation": organisation,
            "kind": kind,
            "revision": edition.revisions.order_by("-number").first(),
            "links": [(s.form.title, settings.SITE_URL + reverse("submission_form", args=[s.pk])) for s in submissions],
            "monitor_url": settings.SITE_URL + reverse("monitor_edition", args=[edition.year]),
        }
        sent += _send(template, context, coordinator_emails(organisation), subject.format(year=edition.year))
    return sent
