"""``/track invoice`` and ``/track clients`` text -> typed commands. Pure, like ``bot.parsing``.

``/track invoice <client> [period] [draft] [by project|task|person|detailed]``: the client is
named by the words before the period (a unique beginning of its name is enough; quotes group
words); the period is ``last month`` (the default), ``this month``, ``YYYY-MM``, a month
name with or without a year (``november``, ``nov 2026``: the latest one that has begun), or
``YYYY-MM-DD..YYYY-MM-DD``. Months are the requester's.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from bot import dates
from bot.errors import UserError

INVOICE_USAGE = (
    "`/track invoice <client> [last month|this month|YYYY-MM|YYYY-MM-DD..YYYY-MM-DD] [draft] "
    "[by project|task|person|detailed]`, e.g. `/track invoice Acme last month` (partners and admins)"
)
CLIENTS_USAGE = (
    "`/track clients [page N]` (partners and admins): unbilled time and the last invoice per client"
)
GROUPINGS = ("task", "project", "person", "detailed")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class InvoiceRequest:
    client: str
    first: date
    last: date
    draft: bool = False
    grouping: str = "task"


@dataclass(frozen=True)
class ClientsOverview:
    page: int = 1


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def last_month(today: date) -> tuple[date, date]:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return month_bounds(year, month)


def parse_invoice(args: list[str], today: date) -> InvoiceRequest:
    words = list(args)
    draft = False
    grouping = "task"
    low = [w.lower() for w in words]
    if "draft" in low[1:]:
        draft = True
        del words[low.index("draft", 1)]
        low = [w.lower() for w in words]
    if len(low) >= 3 and low[-2] == "by":
        if low[-1] not in GROUPINGS:
            raise UserError(f"`by {words[-1]}` is not a grouping; use one of: {', '.join(GROUPINGS)}.",
                            usage=INVOICE_USAGE)  # fmt: skip
        grouping = low[-1]
        words, low = words[:-2], low[:-2]
    period, used = _period(low, today)
    client = " ".join(words[: len(words) - used]).strip()
    if not client:
        raise UserError("Which client?", usage=INVOICE_USAGE)
    first, last = period
    return InvoiceRequest(client, first, last, draft, grouping)


def _period(low: list[str], today: date) -> tuple[tuple[date, date], int]:
    """The period its last words name, and how many words it took (0: last month)."""
    if low[-2:] in (["last", "month"], ["this", "month"]):
        if low[-2] == "last":
            return last_month(today), 2
        first = date(today.year, today.month, 1)
        return (first, today), 2
    if low:
        word = low[-1]
        found = _MONTH.match(word)
        if found:
            year, month = int(found.group(1)), int(found.group(2))
            if not 1 <= month <= 12:
                raise UserError(f"`{word}` is not a month; write it as YYYY-MM, e.g. 2026-11.",
                                usage=INVOICE_USAGE)  # fmt: skip
            return month_bounds(year, month), 1
        span = _RANGE.match(word)
        if span:
            try:
                first, last = date.fromisoformat(span.group(1)), date.fromisoformat(span.group(2))
            except ValueError:
                raise UserError(f"`{word}` holds a day that does not exist.", usage=INVOICE_USAGE) from None
            if last < first:
                raise UserError(f"`{word}` ends before it starts; the period runs from its first day to "
                                "its last.", usage=INVOICE_USAGE)  # fmt: skip
            return (first, last), 1
        if "." in word and ".." in word:
            raise UserError(f"`{word}` is not a period.", usage=INVOICE_USAGE)
    if len(low) >= 2 and dates.month(low[-2]) and low[-1].isdigit() and len(low[-1]) == 4:
        return month_bounds(int(low[-1]), dates.month(low[-2]) or 1), 2
    if low and dates.month(low[-1]):
        month = dates.month(low[-1]) or 1
        year = today.year if month <= today.month else today.year - 1
        return month_bounds(year, month), 1
    return last_month(today), 0


def parse_clients(args: list[str]) -> ClientsOverview:
    low = [w.lower() for w in args]
    if not low:
        return ClientsOverview()
    if len(low) == 2 and low[0] == "page" and low[1].isdigit() and 0 < int(low[1]) < 10_000:
        return ClientsOverview(int(low[1]))
    raise UserError("`/track clients` takes at most a page number.", usage=CLIENTS_USAGE)
