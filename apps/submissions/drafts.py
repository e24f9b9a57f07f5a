"""Unsaved form input that outlived its session: kept server-side for the one person it belongs to.

The submission form carries a signed owner token (user + submission). When a save arrives after the
session ended (logged out, cookie expired) or with a stale CSRF token (logged in again in another
tab), the POST is stashed against the user and submission the token names, never against whoever
holds the browser now, and offered back on that submission's form to that user only.

The stash is not a save: nothing reaches the figures until the user presses "Opslaan" again, and
then it goes through `services.save_values` (with its merge of anything colleagues saved since).
"""

from __future__ import annotations

import re

from django.core import signing
from django.db import transaction
from django.http import QueryDict

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
    stash, __ = DraftStash.objects.update_or_create(
        user_id=user_id, submission_id=submission_id, defaults={"data": _kept_fields(post)}
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
