"""Recording audit events. Callers flush/commit with their own unit of work."""

from __future__ import annotations

from contextvars import ContextVar

from lms.audit.models import AuditEvent
from lms.extensions import db

# Set per request by the app (see core.setup) so services need no request object.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def record_audit(actor, action: str, *, target=None, org=None, **detail) -> AuditEvent:
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target.__tablename__ if target is not None else None,
        target_id=getattr(target, "id", None),
        org_id=getattr(org, "id", None) if org is not None else None,
        detail=detail,
        ip=current_ip.get(),
    )
    db.session.add(event)
    return event
