"""Writes to an edition's disclosure policy: VAR staff only, never once the edition is published.

The policy (threshold, symbols, who sees the internal figures) decides what the public and the
partners see of every small count. It may be stricter than the region's standard
(SUPPRESSION_THRESHOLD), never laxer; it is frozen at publication because the public has seen the
figures it protected. Every change is audited (`edition.disclosure_changed`) with the old and the
new policy. The report cache is keyed on these fields (apps/monitor/cache.py), so the monitor shows
the new protection at once.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.partners import access, audit
from apps.partners.models import AuditEvent, User
from apps.submissions.models import Edition

MAX_THRESHOLD = 50
# A symbol that reads as a number ("5", "-1", "1,5") would be taken for a figure by a reader.
NUMBER = re.compile(r"^[-+]?\d+([.,]\d+)?$")


class PolicyFrozen(Exception):
    """The edition is published: its protection stays as the public saw it."""


def standard_threshold() -> int:
    """The region's threshold: the lowest an edition may use."""
    return int(getattr(settings, "SUPPRESSION_THRESHOLD", 5))


def _check(*, threshold: int | None, small_symbol: str, secondary_symbol: str, internal_audience: str) -> None:
    errors = {}
    lowest = standard_threshold()
    if threshold is not None and not lowest <= threshold <= MAX_THRESHOLD:
        errors["threshold"] = _(
            "De drempel ligt tussen %(low)s (de regionale standaard) en %(high)s: een editie mag strenger "
            "afschermen, niet soepeler."
        ) % {"low": lowest, "high": MAX_THRESHOLD}
    for name, symbol in (("small_symbol", small_symbol), ("secondary_symbol", secondary_symbol)):
        if NUMBER.match(symbol.strip()):
            errors[name] = _("Een teken mag geen getal zijn: een lezer zou het voor een cijfer houden.")
    if not secondary_symbol.strip():
        errors["secondary_symbol"] = _("Geef het teken voor secundair afgeschermde cijfers, bijvoorbeeld x.")
    if internal_audience not in Edition.InternalAudience.values:
        errors["internal_audience"] = _("Kies wie de interne cijfers ziet.")
    if errors:
        raise ValidationError(errors)


def _policy(edition: Edition) -> dict:
    return {
        "threshold": edition.disclosure_threshold,
        "small_symbol": edition.disclosure_small_symbol,
        "secondary_symbol": edition.disclosure_secondary_symbol,
        "internal_audience": edition.internal_audience,
    }


@transaction.atomic
def set_disclosure_policy(
    *,
    user: User,
    edition_id: int,
    threshold: int | None,
    small_symbol: str,
    secondary_symbol: str,
    internal_audience: str,
) -> bool:
    """Change the policy; True if anything changed (no change writes nothing, not even an audit entry)."""
    access.require_staff(user)
    small_symbol, secondary_symbol = small_symbol.strip(), secondary_symbol.strip()
    _check(threshold=threshold, small_symbol=small_symbol, secondary_symbol=secondary_symbol,
           internal_audience=internal_audience)  # fmt: skip
    edition = Edition.objects.select_for_update().get(pk=edition_id)
    if edition.status == Edition.Status.PUBLISHED:
        raise PolicyFrozen(
            _("Editie %(year)s is gepubliceerd: de afscherming blijft zoals het publiek de cijfers zag.")
            % {"year": edition.year}
        )
    old = _policy(edition)
    edition.disclosure_threshold = threshold
    edition.disclosure_small_symbol = small_symbol
    edition.disclosure_secondary_symbol = secondary_symbol
    edition.internal_audience = internal_audience
    new = _policy(edition)
    if new == old:
        return False
    edition.save(update_fields=[
        "disclosure_threshold", "disclosure_small_symbol", "disclosure_secondary_symbol", "internal_audience",
    ])  # fmt: skip
    shown = threshold or standard_threshold()
    audit.record(
        action=AuditEvent.Action.EDITION_DISCLOSURE_CHANGED,
        actor=user,
        obj=edition,
        summary=_(
            "Afscherming van editie %(year)s: drempel %(threshold)s, teken %(small)s, secundair %(x)s, interne cijfers: %(who)s"
        )
        % {
            "year": edition.year,
            "threshold": shown,
            "small": small_symbol or f"<{shown}",
            "x": secondary_symbol,
            "who": Edition.InternalAudience(internal_audience).label,
        },
        data={"old": old, "new": new},
    )
    return True
