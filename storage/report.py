"""What ``/track report`` and ``punchcard report`` read: a period's hours and money summed in
the database by the report's key, never row by row in Python.

Two statements, each one pass over the period's entries:

- :func:`totals`: every entry's measured and billable seconds and, when asked, the frozen
  amounts of approved and billed entries (each rounded to its currency's minor unit first,
  as the pricer rounds it), by (key, project): the project gives the client and currency;
- :func:`live`: the entries still priced live (drafts, submitted, rejected; billable, on a
  project billed by the hour), by what sets their price: key, project, person, task and the
  day's *epoch* (how many of the rate book's dates fall on or before it: the rate cannot
  change within one), with their billed hours computed here from the client's increment,
  rounding and minimum. The caller prices each group (``bot.services.report.figures``).

Nothing here knows a rate: the statements are given the rate book's dates, the clients'
rounding and the currencies' minor units as plain numbers.

On SQLite a report over most of the entries reads the table straight through (``scan``):
an index range over a million rows costs a lookup per row, two to three times the scan.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
    text,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from storage.models import BillingType, Client, EntryStatus, Person, Project, Task, TimeEntry, WorkType
from storage.models.time import LIVE_PRICED
from storage.prices import day_number, ten_thousandths

GROUPINGS = ("client", "project", "task", "person", "work-type")  # None: by week
# Above every id (32-bit keys): a key times this plus a project id fits a BIGINT, and a project
# made while a report reads (PostgreSQL reads each statement's latest commit) still unpacks.
ID_SPAN = 1 << 31


class TotalRow(NamedTuple):
    key: int | None  # see ``key``: by client or project None (the project says)
    project_id: int | None  # by client, project or task
    currency: int | None  # by person, work type or week: the index of the currency in Rules.currencies
    entries: int
    seconds: int  # measured
    billable_seconds: int  # measured, of billable entries
    amount: int | None  # the frozen amounts, in minor units (with ``value``)


class LiveRow(NamedTuple):
    key: int | None  # see ``key``
    project_id: int
    client_id: int
    person_id: int
    task_id: int | None
    epoch: int  # how many of the rate book's dates fall on or before the entries' days
    residue: int | None  # with ``residues``: the entries' billed hundredths modulo it (see live)
    entries: int
    billed: int  # billed hours in hundredths, each entry's rounded


@dataclass(frozen=True)
class Rules:
    """What the statements need of the pricing rules, as plain numbers."""

    breaks: Sequence[date] = ()  # the bill rates' effective dates inside the period, ascending
    rounding: Mapping[int, tuple[int, int, int]] = field(default_factory=dict)  # client: step, bias, least
    per_unit: Mapping[int, int] = field(default_factory=dict)  # project: minor units per currency unit
    # project: after how many hundredths of an hour the rounding of every rate repeats in its
    # currency (1: rates bill whole minor units per hundredth); see ``live``
    moduli: Mapping[int, int] = field(default_factory=dict)
    currencies: Mapping[int, int] = field(default_factory=dict)  # project: its currency's index


@dataclass(frozen=True)
class Scope:
    first: date
    last: date
    person_id: int | None = None
    project_ids: Sequence[int] | None = None  # a client's or a project's; None: every project
    scan: bool = False  # SQLite: read the table straight through (most of the entries)


class _plain(FunctionElement[Any]):  # noqa: N801 - reads as the column it wraps
    """A column SQLite's planner may not use an index for (``+column``); itself elsewhere."""

    inherit_cache = True


@compiles(_plain)
def _plain_default(element: _plain, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_plain, "sqlite")
def _plain_sqlite(element: _plain, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def _n(value: int) -> ColumnElement[int]:
    """An integer inlined in the SQL: the same text on both databases, no bind to adapt."""
    return literal_column(str(int(value)), Integer)


def _by(column: Any, values: Mapping[int, Any], build: Callable[[Any], Any], default: Any) -> Any:
    """``build(v)`` for each id's ``v``: the most common one as the ELSE of a CASE on ``column``."""
    if not values:
        return build(default)
    counts = Counter(values.values())
    common = counts.most_common(1)[0][0]
    whens = [
        (column.in_([_n(i) for i in sorted(k for k, v in values.items() if v == value)]), build(value))
        for value in sorted(counts, key=str)
        if value != common
    ]
    return case(*whens, else_=build(common)) if whens else build(common)


def _hundredths(rounding: tuple[int, int, int]) -> ColumnElement[int]:
    """money.bill_seconds then money.hundredths, in SQL (durations are positive)."""
    step, bias, least = rounding
    billed: ColumnElement[int] = (TimeEntry.duration_seconds + _n(bias)) // _n(step) * _n(step)
    if least:
        billed = case((billed < _n(least), _n(least)), else_=billed)
    return (billed * _n(100) + _n(1800)) // _n(3600)


def _epoch(breaks: Sequence[date]) -> ColumnElement[int]:
    """How many of ``breaks`` fall on or before the entry's day: a binary search written as
    nested CASEs, so many rate dates cost a few comparisons a row."""

    def count(low: int, high: int) -> ColumnElement[int]:  # the answer lies in [low, high]
        if low == high:
            return _n(low)
        mid = (low + high + 1) // 2
        return case((TimeEntry.date >= breaks[mid - 1], count(mid, high)), else_=count(low, mid - 1))

    return count(0, len(breaks))


def key(grouping: str | None) -> Any:
    """What the statements group by: the project (by client or project: it gives the client
    and currency), a task, a person, a work type, or the number of the entry's week since
    0001-01-01 (a Monday)."""
    if grouping in ("client", "project"):
        return TimeEntry.project_id
    if grouping == "task":
        return TimeEntry.task_id
    if grouping is None:  # the week's number: its Monday is date.fromordinal(week * 7 + 1)
        return (day_number(TimeEntry.date) - _n(1)) // _n(7)
    return TimeEntry.person_id if grouping == "person" else TimeEntry.work_type_id


_FROZEN = and_(
    TimeEntry.billed_seconds.is_not(None), TimeEntry.status.in_((EntryStatus.APPROVED, EntryStatus.BILLED))
)
_PRICED_TYPES = (BillingType.HOURLY, BillingType.RETAINER)
_LIVE = text("(" + re.sub(r"\b(billable|billed_seconds|status)\b", r"time_entries.\1", LIVE_PRICED) + ")")


def _col(column: Any, scope: Scope) -> Any:
    """A column as the statement reads it: on a scan, one no index may serve (SQLite would
    otherwise walk an index in the column's order for a GROUP BY, a lookup per row)."""
    return type_coerce(_plain(column), column.type) if scope.scan else column


def _where(stmt: Any, scope: Scope) -> Any:
    day = _col(TimeEntry.date, scope)
    stmt = stmt.where(day >= scope.first, day <= scope.last)
    if scope.person_id is not None:
        stmt = stmt.where(TimeEntry.person_id == scope.person_id)
    if scope.project_ids is not None:
        stmt = stmt.where(TimeEntry.project_id.in_(list(scope.project_ids) or [_n(0)]))
    return stmt


def _summed(rows: Any, keys: list[Any], sums: list[Any]) -> Any:
    """The per-entry values ``rows`` computes (a subquery), summed by ``keys``.

    The subquery carries OFFSET 0 so that it is not merged into the outer query: SQLite runs
    it as a co-routine and sorts the few values it hands over (a third less than sorting the
    entries' columns), and PostgreSQL computes each entry's values once."""
    inner = rows.offset(0).subquery()
    outer = [inner.c[k.name] for k in keys]
    return select(*outer, func.count(), *(func.sum(inner.c[c.name]) for c in sums)).group_by(*outer)


def totals(
    conn: Connection, grouping: str | None, scope: Scope, rules: Rules, *, value: bool
) -> list[TotalRow]:
    """Every entry of the period summed by key and by what gives the currency of its frozen
    amounts (``value``): by task, the project; by person, work type or week, the currency.

    The two are packed into one integer (key x width + project or currency): SQLite groups
    by sorting, and one column sorts in half the time of two. (Packing the project itself
    instead of its currency made PostgreSQL's by-week report 2.5 times slower: 40,000 groups
    instead of 400.)"""
    if grouping in ("client", "project"):
        packed: Any = TimeEntry.project_id
        width = 0
    else:
        second: Any = TimeEntry.project_id
        if grouping == "task":
            width = ID_SPAN
        else:
            width = max(rules.currencies.values(), default=0) + 1 if value else 1
            second = _by(TimeEntry.project_id, rules.currencies, _n, 0) if width > 1 else _n(0)
        packed = cast(func.coalesce(key(grouping), _n(0)), BigInteger) * _n(width) + second
    keys = [packed.label("k")]
    sums = [
        TimeEntry.duration_seconds.label("s"),
        case((TimeEntry.billable, TimeEntry.duration_seconds), else_=_n(0)).label("b"),
    ]
    if value:
        tt = ten_thousandths(TimeEntry.amount)  # pricing._frozen_minor, in SQL
        minor = _by(
            TimeEntry.project_id, rules.per_unit, lambda pu: (tt * _n(pu * 2) + _n(10000)) // _n(20000), 100
        )
        sums.append(case((_FROZEN, minor)).label("m"))
    rows = _where(select(*keys, *sums).select_from(TimeEntry), scope)
    out = []
    for row in conn.execute(_summed(rows, keys, sums)):
        found, entries, seconds, billable, *amount = row
        k, second_value = (None, found) if not width else divmod(int(found), width)
        by_project = grouping in ("client", "project", "task")
        project, currency = (second_value, None) if by_project else (None, second_value)
        minor = int(amount[0]) if amount and amount[0] is not None else None
        out.append(TotalRow(k or None, project, currency, entries, int(seconds), int(billable), minor))
    return out


def live(conn: Connection, grouping: str | None, scope: Scope, rules: Rules) -> list[LiveRow]:
    """The period's entries priced live, summed by what sets their price: project, person,
    task, epoch, and their billed hundredths modulo the project's modulus (each entry's
    amount is rounded on its own; entries whose hundredths leave the same residue round
    alike); by work type, also by work type. By week (None) their weeks are not told apart:
    an ungrouped report's value is its total's."""
    hundredths = _by(Project.client_id, rules.rounding, _hundredths, (60, 59, 0))
    keys: list[Any] = [
        TimeEntry.project_id.label("p"), Project.client_id.label("cl"), TimeEntry.person_id.label("u"),
        TimeEntry.task_id.label("t"), _epoch(rules.breaks).label("e"),
    ]  # fmt: skip
    residues = any(m > 1 for m in rules.moduli.values())
    if residues:
        keys.append(_by(TimeEntry.project_id, rules.moduli, lambda m: hundredths % _n(m), 1).label("r"))
    if grouping == "work-type":
        keys.append(TimeEntry.work_type_id.label("w"))
    sums: list[Any] = [hundredths.label("h")]
    rows = (
        select(*keys, *sums)
        .select_from(TimeEntry)
        .join(Project, Project.id == TimeEntry.project_id)
        # the text of ix_time_entries_live's WHERE: the planners read the few live entries
        # through it, never the frozen history (never a scan: they are a small part)
        .where(_LIVE, Project.billing_type.in_(_PRICED_TYPES))
    )
    out = []
    for row in conn.execute(_summed(_where(rows, replace(scope, scan=False)), keys, sums)):
        project, client, person, task, epoch = row[:5]
        residue = row[5] if residues else None
        found = {"task": task, "person": person, "work-type": row[len(keys) - 1]}.get(grouping or "")
        entries, billed = row[len(keys) :]
        out.append(LiveRow(found, project, client, person, task, epoch, residue, entries, billed))
    return out


def span(conn: Connection) -> tuple[date, date] | None:
    """The first and last day any entry is on (two index lookups)."""
    row = conn.execute(select(func.min(TimeEntry.date), func.max(TimeEntry.date))).first()
    return None if row is None or row[0] is None else (row[0], row[1])


def plain_totals(conn: Connection, grouping: str | None, scope: Scope) -> list[tuple[Any, ...]]:
    """The floor a report is measured against (bench/report_load.py): the same rows, read the
    same way, their measured seconds summed by the grouping's own column (by client, the
    project's), nothing priced."""
    group = Project.client_id if grouping == "client" else key(grouping)
    if grouping in ("project", "person", "work-type"):
        group = _col(group, scope)  # read the table through, as the report does
    stmt = select(group.label("k"), func.count(), func.sum(TimeEntry.duration_seconds)).select_from(TimeEntry)
    if grouping == "client":
        stmt = stmt.join(Project, Project.id == _col(TimeEntry.project_id, scope))
    return [tuple(row) for row in conn.execute(_where(stmt, scope).group_by(text("1")))]


def project_clients(conn: Connection) -> dict[int, int]:
    return {row[0]: row[1] for row in conn.execute(select(Project.id, Project.client_id))}


def task_projects(conn: Connection, ids: Iterable[int]) -> dict[int, int]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {
        row[0]: row[1] for row in conn.execute(select(Task.id, Task.project_id).where(Task.id.in_(wanted)))
    }


def client_projects(conn: Connection, client_id: int) -> list[int]:
    return list(conn.execute(select(Project.id).where(Project.client_id == client_id)).scalars())


class Label(NamedTuple):
    name: str
    detail: str  # a second line: a project's name, a person's Slack id; else ""


def labels(conn: Connection, what: str, ids: Iterable[int | None]) -> dict[int, Label]:
    """The names of clients, projects (code and name), tasks, people (name and Slack id) or
    work types, by id."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    blank: Any = literal_column("''")
    model, name, detail = {
        "client": (Client, Client.name, blank),
        "project": (Project, Project.code, Project.name),
        "task": (Task, Task.name, blank),
        "person": (Person, Person.name, Person.slack_id),
        "work-type": (WorkType, WorkType.name, blank),
    }[what]
    ident: Any = model.id  # type: ignore[attr-defined]
    stmt = select(ident, name, detail).where(ident.in_(wanted))
    return {row[0]: Label(str(row[1]), str(row[2] or "")) for row in conn.execute(stmt)}


def person_by_slack_id(conn: Connection, slack_id: str) -> tuple[int, str] | None:
    row = conn.execute(select(Person.id, Person.name).where(Person.slack_id == slack_id)).first()
    return None if row is None else (int(row[0]), str(row[1]))
