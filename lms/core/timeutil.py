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
    """The naive-UTC moment a Vietnam calendar day begins (00:00 in Vietnam); ``date.min``
    gives ``datetime.min`` rather than overflowing."""
    if day == date.min:
        return datetime.min
    return datetime.combine(day, time.min) - VN_OFFSET


# Days a person may type as a period bound, an expiry or a deadline. Nothing in the platform
# happened before 2000 or is planned after 2100; outside this range a date is a typing error
# or a probe, and ``date.max + 1 day`` (an "until" day's end) would overflow (issue 14, 11d).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def day_in_range(day: date) -> bool:
    """True when FIRST_DAY <= ``day`` <= LAST_DAY."""
    return FIRST_DAY <= day <= LAST_DAY


def parse_day(text: str | None) -> date:
    """A day typed as ``YYYY-MM-DD`` (ISO 8601 calendar date) between FIRST_DAY and LAST_DAY.

    Raises ValueError (message in English, for logs and the API) when malformed or out of range;
    callers show their own translated message."""
    value = (text or "").strip()
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
    if not day_in_range(day):
        raise ValueError(f"{value} is outside {FIRST_DAY.isoformat()}..{LAST_DAY.isoformat()}")
    return day


def next_day(day: date) -> date:
    """``day`` + 1, saturating at ``date.max`` instead of raising OverflowError: the end of an
    inclusive "until" day is the start of the next one."""
    return day if day == date.max else day + timedelta(days=1)
