"""The staff's work queue: what needs a VAR staff member's attention now, each with where to act.

A read model (selector): a few queries whatever the number of organisations; it never writes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from apps.submissions.models import Edition, Submission

# Each list shows at most this many items; the heading says how many there are in all.
QUEUE_LIMIT = 25


@dataclass
class QueueList:
    items: list = field(default_factory=list)
    total: int = 0


@dataclass
class EditionToClose:
    edition: Edition
    outstanding: int  # submissions not yet submitted or approved
    waiting: int  # submitted, waiting for review
    url: str


@dataclass
class WorkQueue:
    waiting: QueueList
    late: QueueList
    unexplained: QueueList
    editions_to_close: list[EditionToClose]

    @property
    def is_empty(self) -> bool:
        return not (self.waiting.total or self.late.total or self.unexplained.total or self.editions_to_close)


def _list(queryset) -> QueueList:
    items = list(queryset[:QUEUE_LIMIT])
    # Looked up once: get_status_display hashes every lazy choice label on each call.
    labels = dict(Submission.Status.choices)
    for submission in items:
        submission.review_url = reverse("review_submission", args=[submission.pk])
        submission.status_label = str(labels.get(submission.status, submission.status))
    total = len(items) if len(items) < QUEUE_LIMIT else queryset.count()
    return QueueList(items=items, total=total)


def staff_work_queue(*, today: datetime.date | None = None) -> WorkQueue:
    """Submissions waiting for review (oldest first), late ones, unexplained warnings, editions to close."""
    today = today or timezone.localdate()
    active = Submission.objects.select_related("organisation", "form", "edition").filter(
        edition__status__in=[Edition.Status.OPEN, Edition.Status.CLOSED]
    )
    not_delivered = [Submission.Status.DRAFT, Submission.Status.RETURNED]
    waiting = active.filter(status=Submission.Status.SUBMITTED).order_by("submitted_at", "pk")
    late = active.filter(
        edition__status=Edition.Status.OPEN, edition__deadline__lt=today, status__in=not_delivered
    ).order_by("edition__deadline", "organisation__name", "form__order")
    # Submitting is refused while a warning lacks an explanation, so these are all drafts in progress.
    unexplained = active.filter(
        edition__status=Edition.Status.OPEN, status__in=not_delivered, open_findings__gt=0
    ).order_by("-open_findings", "organisation__name")

    # To close: open editions past their deadline, or with every submission approved already.
    editions = [
        e
        for e in Edition.objects.filter(status=Edition.Status.OPEN)
        .annotate(
            total=Count("submissions"),
            outstanding=Count("submissions", filter=Q(submissions__status__in=not_delivered)),
            waiting=Count("submissions", filter=Q(submissions__status=Submission.Status.SUBMITTED)),
        )
        .order_by("year")
        if (e.deadline is not None and e.deadline < today) or (e.total and not e.outstanding and not e.waiting)
    ]
    return WorkQueue(
        waiting=_list(waiting),
        late=_list(late),
        unexplained=_list(unexplained),
        editions_to_close=[
            EditionToClose(
                edition=e,
                outstanding=e.outstanding,
                waiting=e.waiting,
                url=reverse("edition_overview", args=[e.year]),
            )
            for e in editions
        ],
    )
