"""Every select the app runs, in one place, so the access paths are easy to review."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import (
    Client,
    Person,
    Project,
    Task,
    TimeEntry,
    Workspace,
    WorkType,
)


def workspace(session: Session) -> Workspace:
    ws = session.get(Workspace, 1)
    if ws is None:
        ws = Workspace(
            id=1, name="", timezone="UTC", currency="USD", billing_increment_minutes=1, required_fields=[]
        )
        session.add(ws)
        session.flush()
    return ws


def person_by_slack_id(session: Session, slack_id: str, *, for_update: bool = False) -> Person | None:
    stmt = select(Person).where(Person.slack_id == slack_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def project_by_code(session: Session, code: str) -> Project:
    return session.scalars(select(Project).where(func.lower(Project.code) == code.lower())).one()


def work_type_named(session: Session, name: str) -> WorkType | None:
    stmt = select(WorkType).where(WorkType.active.is_(True), func.lower(WorkType.name) == name.lower())
    return session.scalars(stmt).first()


def export_rows(
    session: Session,
    *,
    first: date | None = None,
    last: date | None = None,
    client_name: str | None = None,
    person_slack_id: str | None = None,
) -> list[tuple[TimeEntry, Person, Client, Project, Task | None, WorkType | None]]:
    stmt = (
        select(TimeEntry, Person, Client, Project, Task, WorkType)
        .join(Person, Person.id == TimeEntry.person_id)
        .join(Project, Project.id == TimeEntry.project_id)
        .join(Client, Client.id == Project.client_id)
        .outerjoin(Task, Task.id == TimeEntry.task_id)
        .outerjoin(WorkType, WorkType.id == TimeEntry.work_type_id)
        .order_by(TimeEntry.date, Person.slack_id, TimeEntry.started_at, TimeEntry.id)
    )
    if first is not None:
        stmt = stmt.where(TimeEntry.date >= first)
    if last is not None:
        stmt = stmt.where(TimeEntry.date <= last)
    if client_name is not None:
        stmt = stmt.where(func.lower(Client.name) == client_name.lower())
    if person_slack_id is not None:
        stmt = stmt.where(Person.slack_id == person_slack_id)
    return [tuple(row) for row in session.execute(stmt)]  # type: ignore[misc]


def client_named(session: Session, name: str) -> Client | None:
    return session.scalars(select(Client).where(func.lower(Client.name) == name.lower())).first()
