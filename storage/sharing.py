"""Share links' statements: the link rows (found by the token's hash, never the token), and
what a link's page shows: a client's billable hours of a period, grouped, approved apart from
awaiting approval (drafts and sent-back time are the firm's own), budgets, and the entries.

Every statement is bound to the link's client (and project when the link names one): the page
can show nothing else. None reads a rate, an amount or a cost."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, case, func, insert, select, update

from storage.models import Client, EntryStatus, Person, Project, ShareLink, Task, TimeEntry, WorkType

_L = ShareLink
_T = TimeEntry
SHOWN = (EntryStatus.SUBMITTED, EntryStatus.APPROVED, EntryStatus.BILLED)


class LinkRow(NamedTuple):
    id: int
    hint: str
    client_id: int
    client: str
    project_id: int | None
    project: str | None  # its code
    descriptions: bool
    expires_on: date | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_opened_at: datetime | None
    opens: int


_LINK = (
    _L.id,
    _L.hint,
    _L.client_id,
    Client.name,
    _L.project_id,
    Project.code,
    _L.descriptions,
    _L.expires_on,
    _L.created_by,
    _L.created_at,
    _L.revoked_at,
    _L.last_opened_at,
    _L.opens,
)


def _links() -> Any:
    return (
        select(*_LINK).join(Client, Client.id == _L.client_id).outerjoin(Project, Project.id == _L.project_id)
    )


def add(conn: Connection, values: dict[str, Any]) -> int:
    return int(conn.execute(insert(_L).values(**values).returning(_L.id)).scalar_one())


def by_hash(conn: Connection, token_hash: str) -> LinkRow | None:
    row = conn.execute(_links().where(_L.token_hash == token_hash)).first()
    return LinkRow._make(row) if row else None


def by_id(conn: Connection, link_id: int) -> LinkRow | None:
    row = conn.execute(_links().where(_L.id == link_id)).first()
    return LinkRow._make(row) if row else None


def of_client(conn: Connection, client_id: int | None = None) -> list[LinkRow]:
    """Links, newest first (a client's, or every client's)."""
    statement = _links().order_by(_L.id.desc())
    if client_id is not None:
        statement = statement.where(_L.client_id == client_id)
    return [LinkRow._make(r) for r in conn.execute(statement)]


def live_counts(conn: Connection) -> dict[int, int]:
    """Links not revoked, per client (expired ones included: the dashboard says so)."""
    rows = conn.execute(
        select(_L.client_id, func.count()).where(_L.revoked_at.is_(None)).group_by(_L.client_id)
    )
    return {r[0]: int(r[1]) for r in rows}


def opened(conn: Connection, link_id: int, *, now: datetime) -> None:
    conn.execute(update(_L).where(_L.id == link_id).values(opens=_L.opens + 1, last_opened_at=now))


def revoke(conn: Connection, link_id: int, *, by: str, now: datetime) -> bool:
    """Revoked now, unless it was already (a guarded UPDATE)."""
    moved = conn.execute(
        update(_L).where(_L.id == link_id, _L.revoked_at.is_(None)).values(revoked_at=now, revoked_by=by)
    )
    return moved.rowcount == 1


class Hours(NamedTuple):
    project_id: int
    project: str
    code: str
    task: str
    work_type: str
    approved: int  # seconds: billed (frozen at approval) for approved and billed time
    awaiting: int  # seconds as recorded, for time awaiting approval


def _scope(statement: Any, link: LinkRow, first: date, last: date) -> Any:
    statement = statement.where(
        Project.client_id == link.client_id,
        _T.date >= first,
        _T.date <= last,
        _T.billable,
        _T.status.in_(SHOWN),
    )
    if link.project_id is not None:
        statement = statement.where(_T.project_id == link.project_id)
    return statement


_APPROVED = _T.status.in_((EntryStatus.APPROVED, EntryStatus.BILLED))


def hours(conn: Connection, link: LinkRow, first: date, last: date) -> list[Hours]:
    task, work_type = func.coalesce(Task.name, ""), func.coalesce(WorkType.name, "")
    approved = func.sum(case((_APPROVED, func.coalesce(_T.billed_seconds, _T.duration_seconds)), else_=0))
    awaiting = func.sum(case((_T.status == EntryStatus.SUBMITTED, _T.duration_seconds), else_=0))
    statement = (
        select(Project.id, Project.name, Project.code, task, work_type, approved, awaiting)
        .select_from(_T)
        .join(Project, Project.id == _T.project_id)
        .outerjoin(Task, Task.id == _T.task_id)
        .outerjoin(WorkType, WorkType.id == _T.work_type_id)
        .group_by(Project.id, Project.name, Project.code, task, work_type)
        .order_by(Project.code, task, work_type)
    )
    return [
        Hours(r[0], r[1], r[2], r[3], r[4], int(r[5] or 0), int(r[6] or 0))
        for r in conn.execute(_scope(statement, link, first, last))
    ]


class Budget(NamedTuple):
    project_id: int
    code: str
    name: str
    budget_hours: Any  # Decimal | None
    monthly: bool


def budgets(conn: Connection, link: LinkRow) -> list[Budget]:
    """The link's projects with an hours budget."""
    statement = (
        select(Project.id, Project.code, Project.name, Project.budget_hours, Project.budget_period)
        .where(Project.client_id == link.client_id, Project.budget_hours.is_not(None))
        .order_by(Project.code)
    )
    if link.project_id is not None:
        statement = statement.where(Project.id == link.project_id)
    return [
        Budget(r[0], r[1], r[2], r[3], str(getattr(r[4], "value", r[4])) == "monthly")
        for r in conn.execute(statement)
    ]


def used_seconds(
    conn: Connection, project_ids: list[int], *, since: date | None, until: date
) -> dict[int, int]:
    """Seconds of the projects' shown time (as the page counts them) up to ``until``."""
    if not project_ids:
        return {}
    used = func.sum(
        case((_APPROVED, func.coalesce(_T.billed_seconds, _T.duration_seconds)), else_=_T.duration_seconds)
    )
    statement = (
        select(_T.project_id, used)
        .where(_T.project_id.in_(project_ids), _T.billable, _T.status.in_(SHOWN), _T.date <= until)
        .group_by(_T.project_id)
    )
    if since is not None:
        statement = statement.where(_T.date >= since)
    return {r[0]: int(r[1] or 0) for r in conn.execute(statement)}


class Entry(NamedTuple):
    day: date
    person: str
    code: str
    task: str
    work_type: str
    seconds: int
    approved: bool
    description: str


def entries(conn: Connection, link: LinkRow, first: date, last: date, *, limit: int | None) -> list[Entry]:
    approved = _T.status.in_((EntryStatus.APPROVED, EntryStatus.BILLED))
    seconds = case(
        (approved, func.coalesce(_T.billed_seconds, _T.duration_seconds)), else_=_T.duration_seconds
    )
    statement = (
        select(
            _T.date,
            Person.name,
            Project.code,
            func.coalesce(Task.name, ""),
            func.coalesce(WorkType.name, ""),
            seconds,
            approved,
            func.coalesce(_T.description, ""),
        )
        .select_from(_T)
        .join(Project, Project.id == _T.project_id)
        .join(Person, Person.id == _T.person_id)
        .outerjoin(Task, Task.id == _T.task_id)
        .outerjoin(WorkType, WorkType.id == _T.work_type_id)
        .order_by(_T.date, _T.id)
    )
    statement = _scope(statement, link, first, last)
    if limit is not None:
        statement = statement.limit(limit)
    return [Entry(r[0], r[1], r[2], r[3], r[4], int(r[5]), bool(r[6]), r[7]) for r in conn.execute(statement)]


def project_of_client(conn: Connection, client_id: int, code: str) -> int | None:
    """The client's project with this code (any case)."""
    return conn.scalar(
        select(Project.id).where(
            Project.client_id == client_id, func.lower(Project.code) == code.strip().lower()
        )
    )


def projects_of(conn: Connection, client_id: int) -> list[tuple[int, str, str]]:
    """The client's open projects: (id, code, name), by code."""
    rows = conn.execute(
        select(Project.id, Project.code, Project.name)
        .where(Project.client_id == client_id, Project.active)
        .order_by(Project.code)
    )
    return [(r[0], r[1], r[2]) for r in rows]
