"""What pricing reads and writes: rates, client terms, entry facts, and the frozen prices.

Core statements on a ``Connection``, returning named rows. The entry facts come out the
same way on both databases and on both read paths (a few entries through SQLAlchemy, every
entry straight from the driver's cursor): a day as its ordinal (``date.toordinal()``) and
money as whole ten-thousandths (Money columns hold 4 decimals), computed in SQL, so the
driver hands over plain integers and strings that need no conversion row by row.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    SQLColumnExpression,
    String,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement, Label
from sqlalchemy.sql.functions import FunctionElement

from storage.fast import Prepared
from storage.models import Client, Person, Project, Rate, Task, TimeEntry, Workspace


class day_number(FunctionElement[int]):  # noqa: N801 - reads as the SQL function it renders
    """A DATE column as its proleptic Gregorian ordinal, ``date.toordinal()`` (1 = 0001-01-01)."""

    type = Integer()
    inherit_cache = True


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday('0001-01-01') is 1721425.5: exact in a double, as is every day's.
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 1721424.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _day_number_postgresql(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses, **kw)}) - DATE '0001-01-01' + 1)"


def ten_thousandths(column: SQLColumnExpression[Any]) -> ColumnElement[int]:
    """A Money column (4 decimals) as a whole number of ten-thousandths, exactly: SQLite
    keeps these as doubles, whose 15 significant digits hold Numeric(14, 4)."""
    return cast(func.round(column * literal_column("10000")), BigInteger)


class RateRow(NamedTuple):
    kind: str  # RateKind value
    level: str  # RateLevel value
    person_id: int | None
    client_id: int | None
    project_id: int | None
    task_id: int | None
    rate: Decimal
    effective_from: date


class PlainRate(NamedTuple):
    """The ``rate:`` of a person, client, project or task (``owner``), in effect always."""

    owner: str  # "person", "client", "project" or "task"
    owner_id: int
    rate: Decimal


class WorkspaceTerms(NamedTuple):
    currency: str
    billing_increment_minutes: int | None
    rounding: str | None
    minimum_billable_minutes: int | None
    locale: str | None


class ClientTerms(NamedTuple):
    id: int
    currency: str | None  # None: the workspace's
    billing_increment_minutes: int | None
    rounding: str | None


class FactRow(NamedTuple):
    """What pricing needs to know about one entry (see the module docstring for the units)."""

    id: int
    person_id: int
    client_id: int
    project_id: int
    task_id: int | None
    day: int  # date.toordinal()
    raw_seconds: int
    billable: int  # 1 or 0 (a bool on PostgreSQL: a bool is an int)
    billing_type: str  # BillingType value
    status: str  # EntryStatus value
    frozen_billed: int | None  # the price frozen at approval, else None
    frozen_rate: int | None  # ten-thousandths
    frozen_amount: int | None  # ten-thousandths
    frozen_cost_rate: int | None  # ten-thousandths
    frozen_rule: str | None


class FrozenPrice(NamedTuple):
    entry_id: int
    billed_seconds: int
    rate: Decimal | None
    amount: Decimal | None
    cost_rate: Decimal | None
    rule: str


def rates(conn: Connection) -> list[RateRow]:
    stmt = select(
        Rate.kind, Rate.level, Rate.person_id, Rate.client_id, Rate.project_id, Rate.task_id,
        Rate.rate, Rate.effective_from,
    )  # fmt: skip
    return [RateRow._make(row) for row in conn.execute(stmt)]


def plain_rates(conn: Connection) -> list[PlainRate]:
    owners: tuple[tuple[str, Any], ...] = (
        ("person", Person), ("client", Client), ("project", Project), ("task", Task),
    )  # fmt: skip
    stmt = union_all(
        *(
            select(literal(owner, String), model.id, model.rate).where(model.rate.is_not(None))
            for owner, model in owners
        )
    )
    return [PlainRate._make(row) for row in conn.execute(stmt)]


def workspace_terms(conn: Connection) -> WorkspaceTerms | None:
    row = conn.execute(
        select(
            Workspace.currency,
            Workspace.billing_increment_minutes,
            Workspace.rounding,
            Workspace.minimum_billable_minutes,
            Workspace.locale,
        ).where(Workspace.id == 1)  # fmt: skip
    ).first()
    return None if row is None else WorkspaceTerms._make(row)


def client_terms(conn: Connection) -> list[ClientTerms]:
    stmt = select(Client.id, Client.currency, Client.billing_increment_minutes, Client.rounding)
    return [ClientTerms._make(row) for row in conn.execute(stmt)]


# The columns in FactRow's order, typed so that neither read path converts a value.
_FACT_COLUMNS: dict[str, SQLColumnExpression[Any]] = {
    "id": TimeEntry.id,
    "person_id": TimeEntry.person_id,
    "client_id": Project.client_id,
    "project_id": TimeEntry.project_id,
    "task_id": TimeEntry.task_id,
    "day": day_number(TimeEntry.date),
    "raw_seconds": TimeEntry.duration_seconds,
    "billable": type_coerce(TimeEntry.billable, Integer),
    "billing_type": type_coerce(Project.billing_type, String),
    "status": type_coerce(TimeEntry.status, String),
    "frozen_billed": TimeEntry.billed_seconds,
    "frozen_rate": ten_thousandths(TimeEntry.rate),
    "frozen_amount": ten_thousandths(TimeEntry.amount),
    "frozen_cost_rate": ten_thousandths(TimeEntry.cost_rate),
    "frozen_rule": TimeEntry.rate_rule,
}
assert tuple(_FACT_COLUMNS) == FactRow._fields
FACT_COLUMNS: tuple[Label[Any], ...] = tuple(column.label(name) for name, column in _FACT_COLUMNS.items())
FACTS = select(*FACT_COLUMNS).join(Project, Project.id == TimeEntry.project_id)
_EVERY_FACT = Prepared(FACTS.order_by(TimeEntry.id))
# A FactRow from a driver row, without a Python call per row.
_as_fact = typing.cast(Callable[[tuple[Any, ...]], FactRow], partial(tuple.__new__, FactRow))


def facts(
    conn: Connection, entry_ids: Iterable[int] | None = None, *, submission_id: int | None = None
) -> list[FactRow]:
    """Some entries' facts (by id, of a submission, or both), by id."""
    stmt = FACTS if entry_ids is None else FACTS.where(TimeEntry.id.in_(list(entry_ids)))
    if submission_id is not None:
        stmt = stmt.where(TimeEntry.submission_id == submission_id)
    return [FactRow._make(row) for row in conn.execute(stmt.order_by(TimeEntry.id))]


def every_fact(conn: Connection) -> Iterator[FactRow]:
    """Every entry's facts by id, streamed from the driver's cursor: the batch's read (a
    million entries cost what the driver takes to hand them over, plus a tuple each)."""
    return map(_as_fact, _EVERY_FACT.stream(conn))


_FREEZE = (
    update(TimeEntry)
    .where(TimeEntry.id == bindparam("entry_id"), TimeEntry.billed_seconds.is_(None))
    .values(
        billed_seconds=bindparam("b_seconds"),
        rate=bindparam("b_rate"),
        amount=bindparam("b_amount"),
        cost_rate=bindparam("b_cost_rate"),
        rate_rule=bindparam("b_rule"),
        status=func.coalesce(bindparam("b_status", type_=String), TimeEntry.status),
        updated_at=bindparam("b_now", type_=TimeEntry.updated_at.type),
    )  # fmt: skip
)
_FREEZE_PG = text(
    "UPDATE time_entries AS t SET billed_seconds = v.b_seconds, rate = v.b_rate, amount = v.b_amount, "
    "cost_rate = v.b_cost_rate, rate_rule = v.b_rule, status = COALESCE(:b_status, t.status), "
    "updated_at = :b_now "
    "FROM unnest(CAST(:entry_id AS integer[]), CAST(:b_seconds AS integer[]), CAST(:b_rate AS numeric[]), "
    "CAST(:b_amount AS numeric[]), CAST(:b_cost_rate AS numeric[]), CAST(:b_rule AS varchar[])) "
    "AS v(entry_id, b_seconds, b_rate, b_amount, b_cost_rate, b_rule) "
    "WHERE t.id = v.entry_id AND t.billed_seconds IS NULL"
).bindparams(bindparam("b_now", type_=TimeEntry.updated_at.type))
# The statements' parameters, by FrozenPrice field.
_PARAMETERS = ("entry_id", "b_seconds", "b_rate", "b_amount", "b_cost_rate", "b_rule")
_FIELDS = dict(zip(_PARAMETERS, FrozenPrice._fields, strict=True))


def write_frozen(
    conn: Connection, prices: Sequence[FrozenPrice], *, status: str | None, now: datetime
) -> None:
    """Store the prices on entries not frozen yet, with ``status`` (None: kept) and ``now``."""
    if not prices:
        return
    if conn.dialect.name == "postgresql":
        # One statement over arrays: 500 separate UPDATEs cost ~30 ms of round trips.
        arrays = {key: pg_array([getattr(p, field) for p in prices]) for key, field in _FIELDS.items()}
        conn.execute(_FREEZE_PG, {**arrays, "b_status": status, "b_now": now})
        return
    common = {"b_status": status, "b_now": now}
    conn.execute(
        _FREEZE, [{key: getattr(p, field) for key, field in _FIELDS.items()} | common for p in prices]
    )


def pg_array(values: list[Any]) -> str:
    """A PostgreSQL array literal ({1,2.50,NULL,"text"}): sent as one string and cast in SQL,
    where psycopg took 11 ms to adapt seven lists of 500 Decimals and strings."""
    items = []
    for v in values:
        if v is None:
            items.append("NULL")
        elif isinstance(v, str):
            items.append('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
        else:
            items.append(str(v))
    return "{" + ",".join(items) + "}"


class ProjectTerms(NamedTuple):
    """How a project's time is rounded: the client's overrides, else the workspace's."""

    billing_increment_minutes: int | None
    rounding: str | None
    minimum_billable_minutes: int | None


_PROJECT_TERMS = Prepared(
    select(
        func.coalesce(Client.billing_increment_minutes, Workspace.billing_increment_minutes),
        func.coalesce(Client.rounding, Workspace.rounding),
        Workspace.minimum_billable_minutes,
    )
    .select_from(Project)
    .join(Client, Client.id == Project.client_id)
    .outerjoin(Workspace, Workspace.id == literal(1))
    .where(Project.id == bindparam("project_id"))
)


def project_terms(conn: Connection, project_id: int) -> ProjectTerms | None:
    """One statement: what a saved entry's answer needs to say how its time is billed."""
    row = _PROJECT_TERMS.first(conn, {"project_id": project_id})
    return None if row is None else ProjectTerms._make(row)
