"""``/track off`` and ``/track reminders`` text -> typed commands. Pure, like ``bot.parsing``.

Days off are mostly planned, so in ``/track off`` a bare weekday (``friday``) or a day
without a year (``dec 24``) that has passed means the coming one; ``yesterday``, ``last
friday`` and dates with a year mean what they say. A range is ``A..B`` or ``A to B``.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot import dates
from bot.errors import UserError

OFF_USAGE = (
    "`/track off <day|range> [hours] [reason]`, e.g. `/track off friday`, "
    "`/track off 2026-12-24..2026-12-31 holidays` or `/track off tomorrow 4h dentist`; "
    "`/track off cancel <day|range>`; `/track off` lists your days off"
)
REMINDERS_USAGE = (
    "`/track reminders` (how they are set), `/track reminders at 17:30`, `/track reminders off|on`"
)
_HOURS = re.compile(r"^(\d+(?:\.\d+)?)h$|^(\d+)h(\d+)m$|^(\d+)m$")
_TIME = re.compile(r"^(\d{1,2})(?::([0-5]\d))?\s*(am|pm)?$")


@dataclass(frozen=True)
class TimeOff:
    first: date
    last: date
    seconds: int | None  # None: whole days
    reason: str


@dataclass(frozen=True)
class CancelTimeOff:
    first: date
    last: date


@dataclass(frozen=True)
class ListTimeOff:
    pass


@dataclass(frozen=True)
class Reminders:
    on: bool | None = None  # None: unchanged
    minutes: int | None = None  # local time of day; None: unchanged

    @property
    def shows_only(self) -> bool:
        return self.on is None and self.minutes is None


def _ahead(words: list[str], found: date, today: date) -> date:
    """A bare weekday or a day without a year that has passed: the coming one."""
    low = [w.lower() for w in words]
    if (
        found >= today
        or low[0] in ("yesterday", "last", "today")
        or any(re.fullmatch(r"\d{4}", w.strip(",")) for w in low)
    ):
        return found
    if len(low) == 1 and dates.weekday(low[0]) is not None:
        return found + timedelta(days=7)
    if len(low) == 1 and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", low[0]):
        return found  # a year was given
    try:
        return found.replace(year=found.year + 1)
    except ValueError:  # Feb 29
        return found


def _one_day(words: list[str], today: date, day_first: bool) -> tuple[date, int] | None:
    """The longest run of leading words (up to three) that is a day, and how many words."""
    refused: UserError | None = None
    for n in range(min(dates.MAX_WORDS, len(words)), 0, -1):
        if dates.looks_like_a_day(words[:n]):
            try:
                found = dates.parse_day(words[:n], today, day_first=day_first)
            except UserError as err:  # "dec 24 to": the shorter "dec 24" may be the day
                refused = refused or err
                continue
            return _ahead(words[:n], found, today), n
    if refused is not None:
        raise UserError(refused.message, usage=OFF_USAGE)
    return None


def _range(words: list[str], today: date, day_first: bool) -> tuple[date, date, list[str]]:
    if words and ".." in words[0]:
        a, _, b = words[0].partition("..")
        begins, ends = _one_day([a], today, day_first), _one_day([b], today, day_first)
        if begins is None or ends is None:
            raise UserError(f"`{words[0]}` is not a range of days.", usage=OFF_USAGE)
        return begins[0], ends[0], words[1:]
    start = _one_day(words, today, day_first)
    if start is None:
        raise UserError(f"`{' '.join(words[:3])}` is not a day. Write it as {dates.FORMS}.", usage=OFF_USAGE)
    first: date = start[0]
    rest = words[start[1] :]
    if rest and rest[0].lower() in ("to", "until", "-", "through"):
        end = _one_day(rest[1:], today, day_first)
        if end is None:
            raise UserError(f"`{' '.join(rest[1:4])}` is not a day.", usage=OFF_USAGE)
        last: date = end[0]
        if last < first and last.year == first.year:  # "dec 28 to jan 2": into the next year
            with contextlib.suppress(ValueError):  # Feb 29
                last = last.replace(year=last.year + 1)
        return first, last, rest[1 + end[1] :]
    return first, first, rest


def _seconds(word: str) -> int | None:
    found = _HOURS.match(word.lower())
    if not found:
        return None
    if found[1]:
        return int(float(found[1]) * 3600)
    if found[2]:
        return int(found[2]) * 3600 + int(found[3]) * 60
    return int(found[4]) * 60


def parse_off(args: list[str], today: date, *, day_first: bool) -> TimeOff | CancelTimeOff | ListTimeOff:
    if not args:
        return ListTimeOff()
    if args[0].lower() in ("cancel", "remove", "delete"):
        if len(args) < 2:
            raise UserError("Which day or days?", usage=OFF_USAGE)
        first, last, rest = _range(args[1:], today, day_first)
        if rest:
            raise UserError(f"`/track off cancel` takes days only, not `{' '.join(rest)}`.", usage=OFF_USAGE)
        return CancelTimeOff(first, last)
    first, last, rest = _range(args, today, day_first)
    seconds = _seconds(rest[0]) if rest else None
    if seconds is not None:
        rest = rest[1:]
        if not 0 < seconds <= 24 * 3600:
            raise UserError("Hours off in a day are more than 0 and at most 24.", usage=OFF_USAGE)
    return TimeOff(first, last, seconds, " ".join(rest)[:200])


def parse_reminders(args: list[str]) -> Reminders:
    low = [a.lower() for a in args]
    if not low:
        return Reminders()
    if low in (["on"], ["off"]):
        return Reminders(on=low[0] == "on")
    if low[0] == "at" and 2 <= len(low) <= 3:
        found = _TIME.match(" ".join(low[1:]).replace(" ", "") if len(low) == 3 else low[1])
        if found:
            hour, minute, half = int(found[1]), int(found[2] or 0), found[3]
            if half:
                hour = (hour % 12) + (12 if half == "pm" else 0) if 1 <= hour <= 12 else 99
            if hour <= 23:
                return Reminders(on=True, minutes=hour * 60 + minute)
        raise UserError(f"`{' '.join(args[1:])}` is not a time of day; write it as 17:30 or 9am.",
                        usage=REMINDERS_USAGE)  # fmt: skip
    raise UserError("Reminders are `on`, `off`, or `at` a time.", usage=REMINDERS_USAGE)
