"""``/track report`` text -> a typed request. Pure, like ``bot.parsing``.

``/track report [period] [by client|project|task|person|work-type] [client NAME] [project CODE]
[as csv|xlsx]``, the parts in any order. The period is ``this week`` (Monday to Sunday),
``last week``, ``this month`` (the default), ``last month``, ``YYYY-MM``, ``YYYY-MM-DD`` or
``YYYY-MM-DD..YYYY-MM-DD``, in the requester's own days. ``client`` and ``project`` take the
words up to the next part (quotes group words too); the names are resolved by the service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.errors import UserError
from bot.invoice_words import last_month, month_bounds

REPORT_USAGE = (
    "`/track report [this week|last week|this month|last month|YYYY-MM|YYYY-MM-DD..YYYY-MM-DD] "
    "[by client|project|task|person|work-type] [client NAME] [project CODE] [as csv|xlsx]`, "
    "e.g. `/track report last month by project`"
)
GROUPINGS = ("client", "project", "task", "person", "work-type")
FORMATS = ("csv", "xlsx")
_ALIASES = {
    "client": "client", "clients": "client", "project": "project", "projects": "project", "matter": "project",
    "matters": "project", "task": "task", "tasks": "task", "person": "person", "people": "person",
    "persons": "person", "work-type": "work-type", "work-types": "work-type", "worktype": "work-type",
    "work_type": "work-type", "type": "work-type", "types": "work-type",
}  # fmt: skip
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
_RELATIVE = ("this", "last")
_PARTS = frozenset({"by", "client", "project", "as", *_RELATIVE})


@dataclass(frozen=True)
class ReportRequest:
    first: date
    last: date
    grouping: str | None = None  # one of GROUPINGS; None: by week
    client: str | None = None
    project: str | None = None
    fmt: str | None = None  # "csv" or "xlsx": the file too


def parse_report(args: list[str], today: date) -> ReportRequest:
    """The parts of ``/track report``, any order, each at most once."""
    words = list(args)
    names: dict[str, str] = {}  # "by", "client", "project", "as": the words given
    span: tuple[date, date] | None = None
    i = 0
    while i < len(words):
        low = words[i].lower()
        if low == "by":
            grouping, i = _grouping(words, i + 1)
            _once(names, "by", grouping)
        elif low in ("client", "project"):
            name, i = _name(words, i + 1, low)
            _once(names, low, name)
        elif low == "as":
            fmt = words[i + 1].lower() if i + 1 < len(words) else ""
            if fmt not in FORMATS:
                raise UserError("`as` takes `csv` or `xlsx`.", usage=REPORT_USAGE)
            _once(names, "as", fmt)
            i += 2
        else:
            if span is not None:
                raise UserError("A report takes one period.", usage=REPORT_USAGE)
            span, i = _period(words, i, today)
    first, last = span or month_bounds(today.year, today.month)
    return ReportRequest(first, last, grouping=names.get("by"), client=names.get("client"),
                         project=names.get("project"), fmt=names.get("as"))  # fmt: skip


def _once(names: dict[str, str], part: str, value: str) -> None:
    if part in names:
        raise UserError(f"A report takes `{part}` once.", usage=REPORT_USAGE)
    names[part] = value


def _grouping(words: list[str], i: int) -> tuple[str, int]:
    low = [w.lower() for w in words[i : i + 2]]
    if low[:2] == ["work", "type"] or low[:2] == ["work", "types"]:
        return "work-type", i + 2
    grouping = _ALIASES.get(low[0]) if low else None
    if grouping is None:
        said = f"`by {words[i]}` is not a grouping" if low else "`by` needs a grouping"
        raise UserError(f"{said}; use one of: {', '.join(GROUPINGS)}.", usage=REPORT_USAGE)
    return grouping, i + 1


def _name(words: list[str], i: int, part: str) -> tuple[str, int]:
    """The words of a client's or project's name: up to the next part of the request."""
    taken: list[str] = []
    while i < len(words) and not _starts_part(words, i):
        taken.append(words[i])
        i += 1
    name = " ".join(taken).strip()
    if not name:
        raise UserError(f"Which {part}? e.g. `{part} {'Acme' if part == 'client' else 'ACME-WEB'}`.",
                        usage=REPORT_USAGE)  # fmt: skip
    return name, i


def _starts_part(words: list[str], i: int) -> bool:
    low = words[i].lower()
    if low in _RELATIVE:  # "last" alone may be part of a name; "last month" is a period
        return i + 1 < len(words) and words[i + 1].lower() in ("week", "month")
    return low in _PARTS or bool(_MONTH.match(low) or _DAY.match(low) or _RANGE.match(low))


def _period(words: list[str], i: int, today: date) -> tuple[tuple[date, date], int]:
    low = words[i].lower()
    pair = [w.lower() for w in words[i : i + 2]]
    monday = today - timedelta(days=today.weekday())
    relative = {
        ("this", "week"): (monday, monday + timedelta(days=6)),
        ("last", "week"): (monday - timedelta(days=7), monday - timedelta(days=1)),
        ("this", "month"): month_bounds(today.year, today.month),
        ("last", "month"): last_month(today),
    }
    if tuple(pair) in relative:
        return relative[(pair[0], pair[1])], i + 2
    month = _MONTH.match(low)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 1 <= number <= 12 or year < 1900:
            raise UserError(
                f"`{words[i]}` is not a month; write it as YYYY-MM, e.g. 2026-11.", usage=REPORT_USAGE
            )
        return month_bounds(year, number), i + 1
    span = _RANGE.match(low)
    if span or _DAY.match(low):
        first_text, last_text = (span.group(1), span.group(2)) if span else (low, low)
        try:
            first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
        except ValueError:
            raise UserError(f"`{words[i]}` holds a day that does not exist.", usage=REPORT_USAGE) from None
        if last < first:
            said = f"`{words[i]}` ends before it starts; the period runs from its first day to its last."
            raise UserError(said, usage=REPORT_USAGE)
        return (first, last), i + 1
    raise UserError(f"`{words[i]}` is not part of a report.", usage=REPORT_USAGE)
