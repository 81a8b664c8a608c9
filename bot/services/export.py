"""``punchcard export``: one row per entry, in the documented column order, priced."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import TextIO

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.services.billing import EntryFacts, Pricer
from bot.services.clock import format_decimal_hours
from bot.services.pricing import money
from storage import queries

HEADER = [
    "date", "person", "client", "project", "task", "description", "work_type", "hours", "raw_hours",
    "billable", "rate", "amount", "currency", "status", "invoice",
]  # fmt: skip
COST_HEADER = ["cost_rate", "cost"]


def header(*, with_cost: bool = False) -> list[str]:
    return HEADER + (COST_HEADER if with_cost else [])


def rows(
    session: Session,
    *,
    first: date | None = None,
    last: date | None = None,
    client: str | None = None,
    person: str | None = None,
    with_cost: bool = False,
) -> Iterator[list[str]]:
    """``hours`` is the billed time (increments, rounding, minimum), ``raw_hours`` the measured."""
    if first and last and first > last:
        raise UserError(f"--from {first} is after --to {last}")
    if client is not None and queries.client_named(session, client) is None:
        raise UserError(f"no client named {client!r}")
    pricer = Pricer.load(session.connection())
    for entry, who, cl, project, task, work_type in queries.export_rows(
        session, first=first, last=last, client_name=client, person_slack_id=person
    ):
        price = pricer.price(
            EntryFacts(
                entry.id,
                entry.person_id,
                cl.id,
                project.id,
                entry.task_id,
                entry.date,
                entry.duration_seconds,
                entry.billable,
                project.billing_type,
                entry.status,
                entry.billed_seconds,
                entry.rate,
                entry.amount,
                entry.cost_rate,
                entry.rate_rule,
            )  # fmt: skip
        )
        row = [
            entry.date.isoformat(),  # the day in the person's timezone, fixed when tracked
            who.slack_id,
            cl.name,
            project.code,
            task.name if task else "",
            entry.description,
            work_type.name if work_type else "",
            f"{price.hours:.2f}",
            format_decimal_hours(entry.duration_seconds),
            "true" if entry.billable else "false",
            _rate(price.rate),
            "" if price.amount is None else f"{money(price.amount, price.currency):f}",
            price.currency,
            entry.status.value,
            "",  # invoice: set by the invoicing issue
        ]
        if with_cost:
            cost = None
            if price.cost_rate is not None:  # cost is on the measured time, not the billed
                cost = money(Decimal(entry.duration_seconds) / 3600 * price.cost_rate, price.currency)
            row += [_rate(price.cost_rate), "" if cost is None else f"{cost:f}"]
        yield row


def _rate(rate: Decimal | None) -> str:
    """Rates keep up to 4 decimals; trailing zeros past the cents are dropped (250.00, 312.5625)."""
    if rate is None:
        return ""
    two = rate.quantize(Decimal("0.01"))
    return f"{two:f}" if two == rate else f"{rate.normalize():f}"


def write_csv(out: TextIO, data: Iterator[list[str]], *, with_cost: bool = False) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(with_cost=with_cost))
    count = 0
    for row in data:
        writer.writerow(row)
        count += 1
    return count
