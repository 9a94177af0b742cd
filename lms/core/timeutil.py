"""Time is stored as naive UTC everywhere and shown in Vietnam time (UTC+7).

Vietnam has one time zone and no daylight saving, so a fixed offset is exact. Calendar days
people read (due dates, report periods, "expires on") are Vietnam days: use the helpers below
rather than ``date.today()`` or a local ``timedelta(hours=7)``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

VN_OFFSET = timedelta(hours=7)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def vn_today() -> date:
    """Today's date in Vietnam."""
    return (utcnow() + VN_OFFSET).date()


def to_vn(moment: datetime | None) -> datetime | None:
    """Stored naive-UTC time as Vietnam wall-clock time (None stays None)."""
    return None if moment is None else moment + VN_OFFSET


def vn_day_start_utc(day: date) -> datetime:
    """The naive-UTC moment a Vietnam calendar day begins (00:00 in Vietnam)."""
    return datetime.combine(day, time.min) - VN_OFFSET
