"""The working calendar: how many hours a person's day expects.

A day expects what the person's schedule gives its weekday (8 h Monday to Friday when they
have no schedule), nothing on a public holiday of their country and subdivision (theirs,
else the workspace's; the ``holidays`` package), nothing on a full day off, and the part
not taken off on a partial one. Missing-hours nudges, the weekly digest and utilization
all read it from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from bot.services.clock import WEEKDAY_KEYS, local_date
from storage.people import WorkspaceRow
from storage.time_off import TimeOffRow
from storage.workdays import Nudgeable

DEFAULT_SCHEDULE = {key: 8 * 3600 for key in WEEKDAY_KEYS[:5]}


@dataclass(frozen=True)
class Region:
    country: str | None
    subdivision: str | None = None


def region_of(person_country: str | None, person_subdivision: str | None,
              workspace_country: str | None, workspace_subdivision: str | None) -> Region:  # fmt: skip
    """A person's own country (and its subdivision) wins over the workspace's."""
    if person_country:
        return Region(person_country, person_subdivision)
    return Region(workspace_country, workspace_subdivision)


@lru_cache(maxsize=512)
def _holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    import holidays

    try:
        found = holidays.country_holidays(country, subdiv=subdivision, years=year)
    except (NotImplementedError, KeyError):  # a code the package dropped since the import
        return {}
    return dict(found.items())


def holiday(region: Region, day: date) -> str | None:
    """The public holiday's name on ``day`` in ``region``, if it is one."""
    if not region.country:
        return None
    return _holidays(region.country, region.subdivision, day.year).get(day)


_ALL_DAY = object()  # a day off without hours: the whole day


@dataclass(frozen=True)
class Calendar:
    """One person's working calendar over some days."""

    schedule: dict[str, int]
    region: Region
    time_off: dict[date, int | None] = field(default_factory=dict)  # seconds off; None: the whole day
    starts: date | None = None  # nothing is expected before this day (they joined then)
    # Seconds per weekday (Monday first), and the region's holidays by year: worked out once,
    # as a firm-wide decision asks tens of thousands of days.
    _week: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _years: dict[int, dict[date, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        week = self.schedule or DEFAULT_SCHEDULE
        object.__setattr__(self, "_week", tuple(int(week.get(key, 0)) for key in WEEKDAY_KEYS))
        object.__setattr__(self, "_years", {})

    def _holiday(self, day: date) -> bool:
        if not self.region.country:
            return False
        found = self._years.get(day.year)
        if found is None:
            found = self._years[day.year] = _holidays(self.region.country, self.region.subdivision, day.year)
        return day in found

    def scheduled(self, day: date) -> int:
        return self._week[day.weekday()]

    def expected(self, day: date) -> int:
        """Seconds of work the day expects."""
        scheduled = self._week[day.weekday()]
        if scheduled <= 0 or (self.starts is not None and day < self.starts) or self._holiday(day):
            return 0
        if self.time_off:
            off = self.time_off.get(day, _ALL_DAY)
            if off is not _ALL_DAY:
                return 0 if off is None else max(0, scheduled - int(off))  # type: ignore[call-overload]
        return scheduled

    def why_free(self, day: date) -> str | None:
        """Why a scheduled day expects nothing: "holiday", "off", or None."""
        if holiday(self.region, day) is not None:
            return "holiday"
        if day in self.time_off and self.time_off[day] is None:
            return "off"
        return None

    def previous_working_day(self, today: date, *, back: int = 14) -> date | None:
        """The last day before ``today`` that expects hours, looking back ``back`` days."""
        day = today - timedelta(days=1)
        for _ in range(back):
            if self.expected(day) > 0:
                return day
            day -= timedelta(days=1)
        return None

    def working_days(self, first: date, last: date) -> list[date]:
        found, day = [], first
        while day <= last:
            if self.expected(day) > 0:
                found.append(day)
            day += timedelta(days=1)
        return found

    def expected_between(self, first: date, last: date) -> int:
        total, day = 0, first
        while day <= last:
            total += self.expected(day)
            day += timedelta(days=1)
        return total


class Calendars:
    """The calendars of many people at once (a firm-wide job): regions worked out once per
    country and subdivision, the days off read once and grouped by person."""

    def __init__(self, workspace: WorkspaceRow, days_off: Iterable[TimeOffRow] = ()) -> None:
        self._workspace = workspace
        self._regions: dict[tuple[str | None, str | None], Region] = {}
        self.days_off: dict[int, dict[date, int | None]] = {}
        for row in days_off:
            self.days_off.setdefault(row.person_id, {})[row.date] = row.seconds

    def region(self, person: Nudgeable) -> Region:
        key = (person.country, person.subdivision)
        found = self._regions.get(key)
        if found is None:
            w = self._workspace
            found = self._regions[key] = region_of(
                person.country, person.subdivision, w.country, w.subdivision
            )
        return found

    def of(self, person: Nudgeable, *, days_off: bool = True) -> Calendar:
        """The person's calendar: their schedule, region and (unless not asked) days off;
        nothing expected before the day they joined, when ``created_at`` is known."""
        starts = local_date(person.created_at, person.timezone) if person.created_at is not None else None
        off = self.days_off.get(person.id, {}) if days_off else {}
        return Calendar(person.schedule, self.region(person), off, starts=starts)
