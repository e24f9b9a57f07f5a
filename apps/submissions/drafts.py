"""Unsaved form input that outlived its session: kept server-side for the one person it belongs to.

The submission form carries a signed owner token (user + submission). When a save arrives after the
session ended (logged out, cookie expired) or with a stale CSRF token (logged in again in another
tab), the POST is stashed against the user and submission the token names, never against whoever
holds the browser now, and offered back on that submission's form to that user only.

The stash is not a save: nothing reaches the figures until the user presses "Opslaan" again, and
then it goes through `services.save_values` (with its merge of anything colleagues saved since).
A stash nobody comes back for is deleted after DRAFT_STASH_RETENTION_DAYS (`delete_unclaimed`).
"""

from __future__ import annotations

import datetime
import logging
import re

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from apps.partners import access
from apps.partners.models import User
from apps.submissions.models import DraftStash, Submission

OWNER_FIELD = "eigenaar"
_SALT = "mhm.submission-form.owner"
OWNER_MAX_AGE = 14 * 24 * 60 * 60  # a form left open over a long weekend still counts
# Only the form's own fields are kept, each bounded: the stash is no general-purpose store.
_KEPT = re.compile(r"^(version|[vcx]-.+|keuze-.+|conflict-cell|conflict-x)$")
_MAX_VALUE = 10_000
_MAX_FIELDS = 2_000
logger = logging.getLogger(__name__)


def owner_token(*, user_id: int, submission_id: int) -> str:
    return signing.dumps({"u": user_id, "s": submission_id}, salt=_SALT, compress=True)


def owner_of(token: str, *, submission_id: int) -> int | None:
    """The user id a form's token names, if it is genuine, recent and for this submission."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=OWNER_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("s") != submission_id or not isinstance(payload.get("u"), int):
        return None
    return payload["u"]


def _kept_fields(post: QueryDict) -> dict[str, list[str]]:
    kept: dict[str, list[str]] = {}
    for name in list(post.keys())[:_MAX_FIELDS]:
        if _KEPT.match(name):
            kept[name] = [value.replace("\x00", "")[:_MAX_VALUE] for value in post.getlist(name)[:50]]
    return kept


@transaction.atomic
def stash_post(*, post: QueryDict, submission_id: int) -> DraftStash | None:
    """Keep the posted form for the user its owner token names; None if the token is not genuine."""
    user_id = owner_of(post.get(OWNER_FIELD, ""), submission_id=submission_id)
    if user_id is None:
        return None
    submission = Submission.objects.select_related("organisation").filter(pk=submission_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if submission is None or user is None or not access.can_edit_drafts(user, submission.organisation):
        return None  # only input its owner could have saved is worth keeping
    # A newer stash replaces the older one and starts its retention again: it is what was typed now.
    stash, __ = DraftStash.objects.update_or_create(
        user_id=user_id,
        submission_id=submission_id,
        defaults={"data": _kept_fields(post), "created_at": timezone.now()},
    )
    return stash


def stash_for(*, user_id: int, submission_id: int) -> DraftStash | None:
    return DraftStash.objects.filter(user_id=user_id, submission_id=submission_id).first()


def as_querydict(stash: DraftStash) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, values in stash.data.items():
        data.setlist(name, [str(v) for v in values])
    return data


def discard(*, user_id: int, submission_id: int) -> None:
    DraftStash.objects.filter(user_id=user_id, submission_id=submission_id).delete()


def delete_unclaimed(*, now: datetime.datetime | None = None) -> int:
    """Delete stashes older than DRAFT_STASH_RETENTION_DAYS; returns how many.

    What someone typed is personal input nobody else may see; kept forever it is only a liability.
    Not in the audit log: no person acts here and the figures do not change (the stash never was a
    save); the count goes to the worker's log.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.DRAFT_STASH_RETENTION_DAYS)
    deleted, __ = DraftStash.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        logger.info("Deleted %d unclaimed draft stash(es) older than %s", deleted, cutoff.isoformat())
    return deleted
