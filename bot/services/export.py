"""``punchcard export``: one row per entry, in the documented column order, priced."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import TextIO

from sqlalchemy import Connection

from bot.errors import Refused
from bot.services.clock import format_decimal_hours
from bot.services.money import cost_amount, from_minor, plain_rate, shown_hours
from bot.services.pricing import Pricer
from storage import export as stored
from storage import invoices

HEADER = [
    "date", "person", "client", "project", "task", "description", "work_type", "hours", "raw_hours",
    "billable", "rate", "amount", "currency", "status", "invoice",
]  # fmt: skip
COST_HEADER = ["cost_rate", "cost"]


def header(*, with_cost: bool = False) -> list[str]:
    return HEADER + (COST_HEADER if with_cost else [])


def rows(
    conn: Connection,
    *,
    first: date | None = None,
    last: date | None = None,
    client: str | None = None,
    person: str | None = None,
    with_cost: bool = False,
) -> Iterator[list[str]]:
    """``hours`` is the billed time (increments, rounding, minimum), ``raw_hours`` the measured.

    Priced by the batch pricer."""
    if first and last and first > last:
        raise Refused("period_reversed", first=first, last=last)
    if client is not None and not stored.client_exists(conn, client):
        raise Refused("no_client", name=client)
    found = stored.rows(conn, first=first, last=last, client_name=client, person_slack_id=person)
    lines = Pricer.load(conn).lines([row.facts for row in found], with_cost=with_cost)
    numbers = invoices.invoice_numbers(conn, [row.facts.id for row in found if row.facts.status == "billed"])
    for row, (_, billed, rate, amount, currency, cost_rate) in zip(found, lines, strict=True):
        facts = row.facts
        out = [
            date.fromordinal(facts.day).isoformat(),  # the day in the person's timezone, fixed when tracked
            row.person,
            row.client,
            row.project,
            row.task or "",
            row.description,
            row.work_type or "",
            f"{shown_hours(billed):.2f}",
            format_decimal_hours(facts.raw_seconds),
            "true" if facts.billable else "false",
            _rate(rate),
            "" if amount is None else f"{from_minor(amount, currency):f}",
            currency,
            facts.status,
            numbers.get(facts.id, ""),  # the invoice that bills it
        ]
        if with_cost:
            # Cost is on the measured time, not the billed.
            cost = None if cost_rate is None else cost_amount(facts.raw_seconds, cost_rate, currency)
            out += [_rate(cost_rate), "" if cost is None else f"{cost:f}"]
        yield out


def _rate(rate: Decimal | None) -> str:
    return "" if rate is None else plain_rate(rate)


def write_csv(out: TextIO, data: Iterator[list[str]], *, with_cost: bool = False) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(with_cost=with_cost))
    count = 0
    for row in data:
        writer.writerow(row)
        count += 1
    return count
