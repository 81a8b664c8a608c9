"""Partner metrics (partners and admins; the CLI has the database and sees them too):

- **utilization** per person: billable hours ÷ the hours their working calendar expected
  (schedule; public holidays and time off taken out: ``bot.services.calendar``);
- **realization** per client and project: billed amount (after the invoice's discount) ÷ the
  same hours at the person's standard rate; over time billed per hour on issued invoices;
- **work in progress** per client: approved, billable, unbilled value (prices frozen at
  approval), aged by the entry's day: 0–30, 31–60, 61–90, over 90 days;
- **profitability** per client and project: revenue (the one pricer's amounts) − cost (cost
  rates on the measured time) = margin.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Connection

from bot.services.calendar import Calendars
from bot.services.money import cost_amount, from_minor
from bot.services.pricing import Pricer
from storage import export, invoices, people, time_off, workdays
from storage import quality as store

AGES = ((0, 30), (31, 60), (61, 90), (91, None))
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Utilization:
    name: str
    billable: int  # seconds
    expected: int

    @property
    def percent(self) -> Decimal | None:
        return (
            None
            if not self.expected
            else (Decimal(self.billable) * HUNDRED / self.expected).quantize(Decimal(1))
        )


def utilization(conn: Connection, first: date, last: date) -> list[Utilization]:
    """Everyone expected to work in the period, or who logged billable time, least utilized first."""
    calendars = Calendars(people.workspace(conn), time_off.between(conn, first, last))
    billable = store.billable_per_person(conn, first, last)
    joined = datetime.combine(first, time.min, tzinfo=UTC) - timedelta(days=1)
    out = []
    for person in workdays.people(conn, joined_since=joined):
        expected = calendars.of(person).expected_between(first, last)
        if expected or billable.get(person.id):
            out.append(Utilization(person.name, billable.get(person.id, 0), expected))
    return sorted(out, key=lambda u: (u.percent if u.percent is not None else Decimal(10**6), u.name))


@dataclass(frozen=True)
class Realization:
    client: str
    project: str  # "" for the client's total
    hours: Decimal
    billed: Decimal
    standard: Decimal  # the same hours at standard rates

    @property
    def percent(self) -> Decimal | None:
        return None if not self.standard else (self.billed * HUNDRED / self.standard).quantize(Decimal(1))


def realization(conn: Connection, first: date, last: date) -> list[Realization]:
    groups: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for row in store.billed(conn, first, last):
        hours = Decimal(row.billed_seconds) / 3600
        billed = row.amount * (1 - (row.discount_percent or 0) / HUNDRED)
        standard = hours * (row.standard_rate if row.standard_rate is not None else 0)
        for key in ((row.client, row.project), (row.client, "")):
            figures = groups[key]
            figures[0] += hours
            figures[1] += billed
            figures[2] += standard
    cent = Decimal("0.01")
    return [Realization(c, p, h.quantize(cent), b.quantize(cent), s.quantize(cent))
            for (c, p), (h, b, s) in sorted(groups.items())]  # fmt: skip


@dataclass(frozen=True)
class WorkInProgress:
    client: str
    currency: str
    buckets: tuple[Decimal, ...]  # one per AGES

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, Decimal(0))


def work_in_progress(conn: Connection, *, today: date) -> list[WorkInProgress]:
    firm_currency = _firm_currency(conn)
    per: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(AGES))
    for row in store.work_in_progress(conn):
        age = (today - row.day).days
        index = next(i for i, (low, high) in enumerate(AGES) if high is None or age <= high)
        per[(row.client, row.currency or firm_currency)][index] += row.amount
    found = [WorkInProgress(c, cur, tuple(b)) for (c, cur), b in per.items()]
    return sorted(found, key=lambda w: (-w.total, w.client))


@dataclass(frozen=True)
class Profit:
    client: str
    project: str  # "" for the client's total
    currency: str
    revenue: Decimal
    cost: Decimal

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def percent(self) -> Decimal | None:
        return None if not self.revenue else (self.margin * HUNDRED / self.revenue).quantize(Decimal(1))


def profitability(conn: Connection, first: date, last: date) -> list[Profit]:
    """Billable and non-billable time alike cost; only billable time earns."""
    found = export.rows(conn, first=first, last=last)
    lines = Pricer.load(conn).lines([row.facts for row in found], with_cost=True)
    groups: dict[tuple[str, str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row, (_, _billed, _rate, amount, currency, cost_rate) in zip(found, lines, strict=True):
        if row.facts.status == "rejected":
            continue
        revenue = Decimal(0) if amount is None else from_minor(amount, currency)
        cost = Decimal(0) if cost_rate is None else cost_amount(row.facts.raw_seconds, cost_rate, currency)
        for key in ((row.client, row.project, currency), (row.client, "", currency)):
            groups[key][0] += revenue
            groups[key][1] += cost
    return [Profit(c, p, cur, r, k) for (c, p, cur), (r, k) in sorted(groups.items())]


def _firm_currency(conn: Connection) -> str:
    return invoices.firm(conn).currency
