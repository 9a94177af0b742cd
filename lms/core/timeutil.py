"""Time is stored as naive UTC everywhere and shown in Vietnam time (UTC+7)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
