"""What ``punchcard export`` reads: every entry's pricing facts with the names a row shows."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from storage.models import Client, Person, Project, Task, TimeEntry, WorkType
from storage.prices import FACTS, FactRow


class ExportRow(NamedTuple):
    facts: FactRow
    person: str  # Slack id
    client: str
    project: str  # code
    task: str | None
    description: str
    work_type: str | None


_NAMES = (Person.slack_id, Client.name, Project.code, Task.name, TimeEntry.description, WorkType.name)
_FACT_COUNT = len(FactRow._fields)
_ROWS = (
    FACTS.add_columns(*_NAMES)
    .join(Person, Person.id == TimeEntry.person_id)
    .join(Client, Client.id == Project.client_id)
    .outerjoin(Task, Task.id == TimeEntry.task_id)
    .outerjoin(WorkType, WorkType.id == TimeEntry.work_type_id)
    .order_by(TimeEntry.date, Person.slack_id, TimeEntry.started_at, TimeEntry.id)
)


def client_exists(conn: Connection, name: str) -> bool:
    return conn.execute(select(Client.id).where(func.lower(Client.name) == name.lower())).first() is not None


def rows(
    conn: Connection,
    *,
    first: date | None = None,
    last: date | None = None,
    client_name: str | None = None,
    person_slack_id: str | None = None,
) -> list[ExportRow]:
    """The entries in export order: by day, person, start, id."""
    stmt = _ROWS
    if first is not None:
        stmt = stmt.where(TimeEntry.date >= first)
    if last is not None:
        stmt = stmt.where(TimeEntry.date <= last)
    if client_name is not None:
        stmt = stmt.where(func.lower(Client.name) == client_name.lower())
    if person_slack_id is not None:
        stmt = stmt.where(Person.slack_id == person_slack_id)
    return [ExportRow(FactRow._make(row[:_FACT_COUNT]), *row[_FACT_COUNT:]) for row in conn.execute(stmt)]
