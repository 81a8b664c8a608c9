"""Every select the app runs, in one place, so the access paths are easy to review."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import (
    Client,
    Person,
    Project,
    RunningTimer,
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


def people_by_slack_ids(session: Session, slack_ids: Sequence[str]) -> dict[str, Person]:
    rows = session.scalars(select(Person).where(Person.slack_id.in_(slack_ids)))
    return {p.slack_id: p for p in rows}


def projects_matching(session: Session, query: str, limit: int = 11) -> list[Project]:
    """Active projects whose code or name starts with ``query`` (case-insensitive)."""
    q = query.lower()
    pattern = _escape_like(q) + "%"
    stmt = (
        select(Project)
        .where(
            Project.active.is_(True),
            or_(
                func.lower(Project.code).like(pattern, escape="\\"),
                func.lower(Project.name).like(pattern, escape="\\"),
            ),
        )
        .order_by(func.lower(Project.code))
        .limit(limit)
    )
    return list(session.scalars(stmt))


def project_exact(session: Session, query: str) -> list[Project]:
    q = query.lower()
    stmt = select(Project).where(
        Project.active.is_(True),
        or_(func.lower(Project.code) == q, func.lower(Project.name) == q),
    )
    return list(session.scalars(stmt))


def task_named(session: Session, project_id: int, name: str) -> Task | None:
    stmt = select(Task).where(
        Task.project_id == project_id,
        Task.active.is_(True),
        func.lower(Task.name) == name.lower(),
    )
    return session.scalars(stmt).first()


def work_type_named(session: Session, name: str) -> WorkType | None:
    stmt = select(WorkType).where(WorkType.active.is_(True), func.lower(WorkType.name) == name.lower())
    return session.scalars(stmt).first()


def running_timer(session: Session, person_id: int, *, for_update: bool = False) -> RunningTimer | None:
    stmt = select(RunningTimer).where(RunningTimer.person_id == person_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def seconds_between(session: Session, person_id: int, first: date, last: date) -> int:
    stmt = select(func.coalesce(func.sum(TimeEntry.duration_seconds), 0)).where(
        TimeEntry.person_id == person_id, TimeEntry.date >= first, TimeEntry.date <= last
    )
    return int(session.scalar(stmt) or 0)


def entries_between(
    session: Session, person_id: int, first: date, last: date
) -> list[tuple[TimeEntry, Project, Task | None]]:
    stmt = (
        select(TimeEntry, Project, Task)
        .join(Project, Project.id == TimeEntry.project_id)
        .outerjoin(Task, Task.id == TimeEntry.task_id)
        .where(TimeEntry.person_id == person_id, TimeEntry.date >= first, TimeEntry.date <= last)
        .order_by(TimeEntry.date, TimeEntry.started_at, TimeEntry.id)
    )
    return [(e, p, t) for e, p, t in session.execute(stmt)]


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


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
