"""The firm's set-up: the workspace, people, clients, projects, tasks, work types and rates.

Read and written by ``punchcard import`` only, with Core statements on the caller's
Connection (the caller's transaction; nothing here commits). Reads return named rows, and
whole tables at a time: a set-up is hundreds of rows, and the import compares every one.
An update writes only the columns it is given, with ``updated_at`` from the caller's ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy import update as sa_update

from storage.models import (
    BillingType,
    Client,
    Person,
    Project,
    Rate,
    Role,
    Task,
    Workspace,
    WorkType,
)
from storage.setup_rows import (  # noqa: F401 - re-exported: the import names them here
    WORKSPACE_ID,
    ClientSetup,
    PersonSetup,
    ProjectSetup,
    RateKey,
    RateSetup,
    TaskSetup,
    WorkspaceSetup,
    WorkTypeSetup,
)


def _columns(model: Any, row_type: type) -> list[Any]:
    """The model's columns named like the row type's fields, in their order."""
    return [getattr(model, f.name) for f in fields(row_type)]


def _select(model: Any, row_type: type) -> Any:
    return select(*_columns(model, row_type))


def _insert(conn: Connection, model: Any, values: dict[str, Any], *, now: datetime) -> int:
    """One new row: its id."""
    statement = insert(model).values({**values, "created_at": now, "updated_at": now}).returning(model.id)
    return int(conn.execute(statement).scalar_one())


Row = WorkspaceSetup | PersonSetup | ClientSetup | ProjectSetup | TaskSetup | WorkTypeSetup | RateSetup


def _updatable(row_type: type, *keys: str) -> frozenset[str]:
    return frozenset(f.name for f in fields(row_type)) - {"id", *keys}


# What :func:`update` may change on each kind of row: not its id, nor what it is found by.
_UPDATES: dict[type, tuple[Any, frozenset[str]]] = {
    WorkspaceSetup: (Workspace, _updatable(WorkspaceSetup, "catalog_version")),
    PersonSetup: (Person, _updatable(PersonSetup, "slack_id")),
    ClientSetup: (Client, _updatable(ClientSetup)),
    ProjectSetup: (Project, _updatable(ProjectSetup, "code")),
    TaskSetup: (Task, _updatable(TaskSetup, "project_id")),
    WorkTypeSetup: (WorkType, _updatable(WorkTypeSetup)),
    RateSetup: (Rate, frozenset({"rate"})),
}


def update(conn: Connection, row: Row, changes: Mapping[str, Any], *, now: datetime) -> None:
    """Set these columns (named as the row's fields) of the row read earlier; nothing else."""
    model, allowed = _UPDATES[type(row)]
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"{type(row).__name__} cannot change {', '.join(sorted(unknown))}")
    if changes:
        conn.execute(_update_statement(model, row.id, {**changes, "updated_at": now}))


def _update_statement(model: Any, row_id: int, values: Mapping[str, Any]) -> Any:
    return sa_update(model).where(model.id == row_id).values(values)


# --- the workspace ---------------------------------------------------------------------------


def workspace(conn: Connection) -> WorkspaceSetup | None:
    row = conn.execute(_select(Workspace, WorkspaceSetup).where(Workspace.id == WORKSPACE_ID)).one_or_none()
    return None if row is None else WorkspaceSetup(**row._mapping)


def ensure_workspace(conn: Connection, *, now: datetime) -> WorkspaceSetup:
    """The workspace, created with the defaults (UTC, USD, by the minute) when missing."""
    found = workspace(conn)
    if found is not None:
        return found
    defaults = dict(
        id=WORKSPACE_ID, name="", timezone="UTC", currency="USD", billing_increment_minutes=1,
        required_fields=[],
    )  # fmt: skip
    _insert(conn, Workspace, defaults, now=now)
    created = workspace(conn)
    assert created is not None
    return created


def bump_catalog_version(conn: Connection, *, now: datetime) -> None:
    """Tell every process's project index (bot.services.project_index) to reload."""
    ensure_workspace(conn, now=now)
    bumped = {"catalog_version": Workspace.catalog_version + 1, "updated_at": now}
    conn.execute(_update_statement(Workspace, WORKSPACE_ID, bumped))


# --- people ----------------------------------------------------------------------------------


def people(conn: Connection) -> dict[str, PersonSetup]:
    """Everyone, by Slack id."""
    return {r.slack_id: PersonSetup(**r._mapping) for r in conn.execute(_select(Person, PersonSetup))}


def person_ids(conn: Connection) -> dict[str, int]:
    """Slack id -> person id, for everyone."""
    return {r.slack_id: r.id for r in conn.execute(select(Person.slack_id, Person.id))}


def insert_person(
    conn: Connection,
    *,
    slack_id: str,
    name: str,
    role: Role,
    timezone: str,
    timezone_from_import: bool,
    schedule: dict[str, int],
    rate: Decimal | None,
    active: bool,
    now: datetime,
) -> int:
    values = dict(
        slack_id=slack_id, name=name, role=role, timezone=timezone, timezone_from_import=timezone_from_import,
        schedule=schedule, rate=rate, active=active,
    )  # fmt: skip
    return _insert(conn, Person, values, now=now)


def insert_people(conn: Connection, people: list[dict[str, Any]], *, now: datetime) -> None:
    """New people, in one executemany (each a mapping of insert_person's keywords)."""
    if people:
        conn.execute(insert(Person), [{**p, "created_at": now, "updated_at": now} for p in people])


# --- clients ---------------------------------------------------------------------------------


def clients(conn: Connection) -> dict[str, ClientSetup]:
    """Every client, by lower-cased name (names are matched case-insensitively)."""
    return {r.name.lower(): ClientSetup(**r._mapping) for r in conn.execute(_select(Client, ClientSetup))}


def client_ids(conn: Connection) -> dict[str, int]:
    """Lower-cased client name -> client id."""
    return {r.name.lower(): r.id for r in conn.execute(select(Client.name, Client.id))}


def insert_client(
    conn: Connection,
    *,
    name: str,
    approver_id: int | None,
    currency: str | None,
    billing_channel: str | None,
    rate: Decimal | None,
    billing_increment_minutes: int | None,
    rounding: str | None,
    active: bool,
    now: datetime,
    **billing: Any,
) -> int:
    """A new client; ``billing``: its invoices' columns (address, tax id, locale, ...)."""
    values = dict(
        name=name, approver_id=approver_id, currency=currency, billing_channel=billing_channel, rate=rate,
        billing_increment_minutes=billing_increment_minutes, rounding=rounding, active=active, **billing,
    )  # fmt: skip
    return _insert(conn, Client, values, now=now)


# --- projects and their tasks ----------------------------------------------------------------


def projects(conn: Connection) -> dict[str, ProjectSetup]:
    """Every project, by lower-cased code (codes are matched case-insensitively)."""
    found = conn.execute(_select(Project, ProjectSetup))
    return {r.code.lower(): ProjectSetup(**r._mapping) for r in found}


def project_ids(conn: Connection) -> dict[str, int]:
    """Lower-cased project code -> project id."""
    return {r.code.lower(): r.id for r in conn.execute(select(Project.code, Project.id))}


def insert_project(
    conn: Connection,
    *,
    code: str,
    name: str,
    client_id: int,
    billing_type: BillingType,
    approver_id: int | None,
    alert_channel: str | None,
    budget_hours: Decimal | None,
    budget_amount: Decimal | None,
    rate: Decimal | None,
    required_fields: list[str] | None,
    fee: Decimal | None,
    milestones: list[dict[str, str]] | None,
    active: bool,
    now: datetime,
    budget_period: str | None = None,
    alert_thresholds: list[int] | None = None,
    included_hours: Decimal | None = None,
    client_matter_id: str | None = None,
) -> int:
    values = dict(
        code=code, name=name, client_id=client_id, billing_type=billing_type, approver_id=approver_id,
        alert_channel=alert_channel, budget_hours=budget_hours, budget_amount=budget_amount, rate=rate,
        required_fields=required_fields, fee=fee, milestones=milestones, active=active,
        budget_period=budget_period or "total", alert_thresholds=alert_thresholds,
        included_hours=included_hours, client_matter_id=client_matter_id,
    )  # fmt: skip
    return _insert(conn, Project, values, now=now)


def tasks_of(conn: Connection, project_id: int) -> dict[str, TaskSetup]:
    """The project's tasks, by lower-cased name (unique within the project)."""
    found = conn.execute(_select(Task, TaskSetup).where(Task.project_id == project_id))
    return {r.name.lower(): TaskSetup(**r._mapping) for r in found}


def task_ids(conn: Connection) -> dict[tuple[str, str], int]:
    """(lower-cased project code, lower-cased task name) -> task id, for every task."""
    found = conn.execute(select(Project.code, Task.name, Task.id).join(Task, Task.project_id == Project.id))
    return {(r.code.lower(), r.name.lower()): r.id for r in found}


def insert_task(
    conn: Connection,
    *,
    project_id: int,
    name: str,
    rate: Decimal | None,
    budget_hours: Decimal | None,
    budget_amount: Decimal | None,
    billable: bool | None,
    active: bool,
    now: datetime,
    utbms: str | None = None,
) -> int:
    values = dict(
        project_id=project_id, name=name, rate=rate, budget_hours=budget_hours, budget_amount=budget_amount,
        billable=billable, active=active, utbms=utbms,
    )  # fmt: skip
    return _insert(conn, Task, values, now=now)


# --- work types ------------------------------------------------------------------------------


def work_types(conn: Connection) -> dict[str, WorkTypeSetup]:
    """Every work type, by lower-cased name."""
    found = conn.execute(_select(WorkType, WorkTypeSetup))
    return {r.name.lower(): WorkTypeSetup(**r._mapping) for r in found}


def insert_work_type(
    conn: Connection, *, name: str, active: bool, now: datetime, utbms: str | None = None
) -> int:
    return _insert(conn, WorkType, {"name": name, "active": active, "utbms": utbms}, now=now)


# --- rates -----------------------------------------------------------------------------------


def rates(conn: Connection) -> dict[RateKey, RateSetup]:
    """Every rate, by its key."""
    found = conn.execute(select(Rate.id, Rate.rate, *_columns(Rate, RateKey)))
    out = {}
    for r in found:
        key = RateKey(**{f.name: getattr(r, f.name) for f in fields(RateKey)})
        out[key] = RateSetup(id=r.id, key=key, rate=r.rate)
    return out


def insert_rate(conn: Connection, key: RateKey, rate: Decimal, *, now: datetime) -> int:
    return _insert(conn, Rate, {**asdict(key), "rate": rate}, now=now)
