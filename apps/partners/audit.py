"""Write append-only audit entries."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.partners.models import AuditEvent, Organisation, User


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
