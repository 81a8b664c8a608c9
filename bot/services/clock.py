"""Time-zone arithmetic. Instants are UTC; days are the person's local days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    return isinstance(name, str) and name in _timezones()


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(zone(tz)).date()


def local_time(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(zone(tz))


def week_bounds(day: date) -> tuple[date, date]:
    """Monday..Sunday of the week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def utcnow() -> datetime:
    return datetime.now(UTC)


def format_hours(seconds: int) -> str:
    """``5400`` -> ``1:30`` (h:mm), the form timekeepers read at a glance."""
    minutes = seconds // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def format_decimal_hours(seconds: int) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    return str((Decimal(seconds) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP))


def scheduled_seconds(schedule: dict[str, int], first: date, last: date) -> int:
    total = 0
    day = first
    while day <= last:
        total += int(schedule.get(WEEKDAY_KEYS[day.weekday()], 0))
        day += timedelta(days=1)
    return total
