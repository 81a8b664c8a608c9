"""The day words people type after ``on`` in ``/track log``: pure, no database.

``today``, ``yesterday``, ``tomorrow``, a weekday (``friday``, ``fri``: the most recent past
one) or ``last friday``, ``2026-11-27``, ``27/11/2026`` or ``11/27/2026`` (the workspace's
locale decides which number is the day), ``27/11``, ``dec 1``, ``1 december``, ``dec 1, 2025``.
Whether time may be logged on that day (not in the future, not too long ago, not in a closed
month) is the entries service's rule, not the grammar's.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import get_date_format

from bot.errors import UserError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip
FORMS = (
    "`YYYY-MM-DD`, `today`, `yesterday`, a weekday such as `friday` or `last friday`, "
    "`27/11/2026` (in your firm's order), or `dec 1`"
)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$")
_DAY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?,?$")
_YEAR = re.compile(r"^(\d{4})$")
MAX_WORDS = 3


@lru_cache(maxsize=64)
def day_first(locale: str) -> bool:
    """Whether the locale writes the day before the month (de_DE 27.11.26; en_US 11/27/26)."""
    try:
        pattern = get_date_format("short", locale=Locale.parse(locale)).pattern.lower()
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return pattern.find("d") < pattern.find("m")


def weekday(word: str) -> int | None:
    """``fri``, ``friday``: its index (Monday 0); at least three letters."""
    w = word.lower()
    if len(w) < 3:
        return None
    return next((i for i, name in enumerate(WEEKDAYS) if name.startswith(w)), None)


def month(word: str) -> int | None:
    """``dec``, ``december``, ``sept``: 1..12; at least three letters."""
    w = word.lower().rstrip(".,")
    if len(w) < 3:
        return None
    return next((i + 1 for i, name in enumerate(MONTHS) if name.startswith(w)), None)


def looks_like_a_day(words: list[str]) -> bool:
    """Whether these words (after ``on``) mean to be a day: then they must be one, or be
    refused; anything else ("on homepage", "on 3 servers") stays in the description."""
    if not 0 < len(words) <= MAX_WORDS:
        return False
    low = [w.lower() for w in words]
    if len(low) == 1:
        w = low[0]
        return (w in ("today", "yesterday", "tomorrow") or weekday(w) is not None
                or bool(_ISO.match(w) or _NUMERIC.match(w)))  # fmt: skip
    if low[0] == "last" and len(low) == 2:
        return weekday(low[1]) is not None
    has_month = any(month(w) is not None and not w[0].isdigit() for w in low)
    has_day = any(_DAY.match(w) for w in low)
    return has_month and has_day


def parse_day(words: list[str], today: date, *, day_first: bool) -> date:
    """The day the words name, or a UserError naming what is not a day."""
    text = " ".join(words)
    low = [w.lower() for w in words]
    try:
        found = _day(low, today, day_first=day_first)
    except ValueError:
        raise UserError(f"`{text}` is not a real date. Write it as {FORMS}.") from None
    if found is None:
        raise UserError(f"`{text}` is not a date. Write it as {FORMS}.")
    return found


def _day(low: list[str], today: date, *, day_first: bool) -> date | None:
    if len(low) == 1:
        w = low[0]
        if w == "today":
            return today
        if w == "yesterday":
            return today - timedelta(days=1)
        if w == "tomorrow":
            return today + timedelta(days=1)
        if (index := weekday(w)) is not None:
            return _past_weekday(index, today)
        if iso := _ISO.match(w):
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if numeric := _NUMERIC.match(w):
            return _numeric(numeric, today, day_first=day_first)
        return None
    if low[0] == "last" and len(low) == 2 and (index := weekday(low[1])) is not None:
        return _past_weekday(index, today)
    return _named_month(low, today)


def _past_weekday(index: int, today: date) -> date:
    """The most recent such weekday before today."""
    return today - timedelta(days=(today.weekday() - index) % 7 or 7)


def _numeric(found: re.Match[str], today: date, *, day_first: bool) -> date:
    first, second, year = int(found[1]), int(found[2]), found[3]
    if len(found[1]) == 4:  # 2026/11/27
        raise ValueError("a year first needs a day: use YYYY-MM-DD")
    day, month_number = (first, second) if day_first else (second, first)
    if year is None:
        return _without_year(month_number, day, today)
    return date(int(year) + (2000 if len(year) == 2 else 0), month_number, day)


def _named_month(low: list[str], today: date) -> date | None:
    """``dec 1``, ``1 dec``, ``december 1st, 2025``, ``1 dec 2025``."""
    words = [w.rstrip(",") for w in low]
    months = [(i, m) for i, w in enumerate(words) if not w[:1].isdigit() and (m := month(w)) is not None]
    if len(months) != 1:
        return None
    at, month_number = months[0]
    rest = [w for i, w in enumerate(words) if i != at]
    days = [int(d[1]) for w in rest if (d := _DAY.match(w)) and not _YEAR.match(w)]
    years = [int(w) for w in rest if _YEAR.match(w)]
    if len(days) != 1 or len(years) > 1 or len(days) + len(years) != len(rest):
        return None
    if years:
        return date(years[0], month_number, days[0])
    return _without_year(month_number, days[0], today)


def _without_year(month_number: int, day: int, today: date) -> date:
    """A day and month without a year: this year's, or last year's when that is still to come."""
    this_year = date(today.year, month_number, day)
    return this_year if this_year <= today else date(today.year - 1, month_number, day)
