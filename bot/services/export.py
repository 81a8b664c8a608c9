"""``punchcard export``: one row per entry, in the documented column order."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from typing import TextIO

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.services.clock import format_decimal_hours
from storage import queries

HEADER = [
    "date",
    "person",
    "client",
    "project",
    "task",
    "description",
    "work_type",
    "hours",
    "billable",
    "rate",
    "amount",
    "currency",
    "status",
    "invoice",
]


def rows(
    session: Session,
    *,
    first: date | None = None,
    last: date | None = None,
    client: str | None = None,
    person: str | None = None,
) -> Iterator[list[str]]:
    if first and last and first > last:
        raise UserError(f"--from {first} is after --to {last}")
    if client is not None and queries.client_named(session, client) is None:
        raise UserError(f"no client named {client!r}")
    workspace = queries.workspace(session)
    for entry, who, cl, project, task, work_type in queries.export_rows(
        session, first=first, last=last, client_name=client, person_slack_id=person
    ):
        yield [
            entry.date.isoformat(),  # the day in the person's timezone, fixed when tracked
            who.slack_id,
            cl.name,
            project.code,
            task.name if task else "",
            entry.description,
            work_type.name if work_type else "",
            format_decimal_hours(entry.duration_seconds),
            "true" if entry.billable else "false",
            "",  # rate: priced by the rates issue
            "",  # amount
            cl.currency or workspace.currency,
            entry.status.value,
            "",  # invoice: set by the invoicing issue
        ]


def write_csv(out: TextIO, data: Iterator[list[str]]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for row in data:
        writer.writerow(row)
        count += 1
    return count
