"""The import's ``time_off:`` section: days people are off, whole or in part.

```yaml
time_off:
  - {person: U0123ABCD, date: 2026-12-24, reason: Christmas Eve}
  - {person: U0123ABCD, from: 2027-01-04, to: 2027-01-08, reason: Skiing}
  - {person: U0456EFGH, date: 2026-12-18, hours: 4, reason: Dentist}
```

A day given again replaces what was recorded for it (the import is idempotent)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.services.importer.check import Checker
from bot.services.importer.plan import TimeOffPlan
from bot.services.importer.schema import TIME_OFF_KEYS

MAX_DAYS = 366  # one entry covers at most a year


def _day(value: Any, where: str, key: str, check: Checker) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        check.fail(where, f"{key} {value!r} must be a date such as 2026-12-24")
        return None
    return value


def validate(raw: Any, check: Checker, known_people: set[str]) -> list[TimeOffPlan]:
    found: list[TimeOffPlan] = []
    for i, item in enumerate(check.seq(raw, "time_off")):
        where = f"time_off[{i}]"
        t = check.mapping(item, where, TIME_OFF_KEYS, {"person"}, "person")
        person = check.text(t.get("person"), where, "person")
        if person and person not in known_people:
            check.fail(where, f"person {person!r} is not a person in this file or already imported")
            person = None
        day = _day(t.get("date"), where, "date", check)
        first = _day(t.get("from"), where, "from", check)
        last = _day(t.get("to"), where, "to", check)
        if "date" in t and ("from" in t or "to" in t):
            check.fail(where, "give either date, or from and to")
            continue
        if day is not None:
            first = last = day
        elif "date" not in t and (first is None or last is None):
            if "from" not in t or "to" not in t:
                check.fail(where, "give the day (date: 2026-12-24) or the days (from: ... to: ...)")
            continue
        if first is None or last is None:
            continue
        if last < first:
            check.fail(where, f"to {last} is before from {first}")
            continue
        if (last - first) > timedelta(days=MAX_DAYS):
            check.fail(where, f"{first}..{last} is more than a year: split it")
            continue
        hours = check.money(t.get("hours"), where, "hours", places=2)
        if hours is not None and not 0 < hours <= 24:
            check.fail(where, f"hours {t.get('hours')!r} must be more than 0 and at most 24")
            continue
        reason = check.text(t.get("reason"), where, "reason") or ""
        if person is not None:
            seconds = None if hours is None else int(hours * 3600)
            found.append(TimeOffPlan(person, first, last, seconds, reason))
    return found
