"""ORM look-ups the tests use to arrange and inspect rows (application code reads through
storage's Core statements; see docs/ARCHITECTURE.md)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Person, Project, Workspace, WorkType


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
