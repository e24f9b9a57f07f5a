"""Write append-only audit entries."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.http import HttpRequest

from apps.partners.models import AuditEvent, Organisation, User


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, read as allauth reads it for its rate limits (ALLAUTH_TRUSTED_PROXY_COUNT).

    Behind TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For, the client is the
    address that many places from the right; entries further left were written by the client and
    prove nothing. Without trusted proxies (or header), REMOTE_ADDR.
    """
    if request is None:
        return None
    count = settings.ALLAUTH_TRUSTED_PROXY_COUNT  # = TRUSTED_PROXY_COUNT (base settings): one number for both
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    ip = forwarded[-count] if count > 0 and len(forwarded) >= count else request.META.get("REMOTE_ADDR")
    try:
        validate_ipv46_address(ip or "")
    except ValidationError:
        return None
    return ip


def record(
    *,
    action: str,
    actor: User | None = None,
    actor_email: str = "",
    organisation: Organisation | None = None,
    obj: Any = None,
    summary: str = "",
    data: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Record one audit entry; call inside the transaction of the change it describes."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_email=actor_email or (actor.email if actor else ""),
        organisation=organisation,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:500],
        data=data or {},
        ip_address=client_ip(request),
    )
