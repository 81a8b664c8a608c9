"""What budget alerts read and write: the budgeted projects and tasks, what their entries add
up to (one aggregate per project), the facts the pricer prices for amount budgets, and the
marks that say where each budget stands against its thresholds.

A mark (``budget_marks``: subject, period, threshold) is crossed upward by a guarded UPDATE
(``WHERE above = false``): of two processes evaluating the same change, one updates the row
and queues the alert, the other updates nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, and_, bindparam, case, func, or_, select, update
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.sql.elements import ColumnElement

from storage.models import BudgetMark, EntryStatus, Person, Project, Task, TimeEntry
from storage.prices import FACTS, FactRow

DEFAULT_THRESHOLDS = (50, 80, 100)


@dataclass(frozen=True)
class TaskBudget:
    id: int
    name: str
    budget_hours: Decimal | None
    budget_amount: Decimal | None


@dataclass(frozen=True)
class ProjectBudget:
    """A project with a budget of its own or on one of its tasks (``tasks``: those budgeted)."""

    id: int
    code: str
    name: str
    client_id: int
    alert_channel: str | None
    budget_hours: Decimal | None
    budget_amount: Decimal | None
    period: str  # "total" or "monthly"
    thresholds: tuple[int, ...]
    tasks: tuple[TaskBudget, ...]

    @property
    def budgeted(self) -> bool:
        return self.budget_hours is not None or self.budget_amount is not None

    @property
    def priced(self) -> bool:
        """Some budget here is money: the pricer prices the entries."""
        return self.budget_amount is not None or any(t.budget_amount is not None for t in self.tasks)


_HAS_BUDGET = or_(Project.budget_hours.is_not(None), Project.budget_amount.is_not(None))
_TASK_HAS_BUDGET = or_(Task.budget_hours.is_not(None), Task.budget_amount.is_not(None))
_BUDGETED = (
    select(
        Project.id, Project.code, Project.name, Project.client_id, Project.alert_channel,
        Project.budget_hours, Project.budget_amount, Project.budget_period, Project.alert_thresholds,
        Task.id, Task.name, Task.budget_hours, Task.budget_amount,
    )
    .outerjoin(Task, and_(Task.project_id == Project.id, _TASK_HAS_BUDGET))
    .where(or_(_HAS_BUDGET, Task.id.is_not(None)))
    .order_by(Project.id, Task.id)
)  # fmt: skip


def budgeted(conn: Connection, project_ids: Iterable[int] | None = None) -> list[ProjectBudget]:
    """The projects (of ``project_ids``, or all) with a budget on themselves or a task: one query."""
    stmt = _BUDGETED
    if project_ids is not None:
        stmt = stmt.where(Project.id.in_(sorted(set(project_ids))))
    found: dict[int, tuple[tuple[object, ...], list[TaskBudget]]] = {}
    for row in conn.execute(stmt):
        head, tasks = found.setdefault(row[0], (tuple(row[:9]), []))
        if row[9] is not None:
            tasks.append(TaskBudget(row[9], row[10], row[11], row[12]))
    out = []
    for head, tasks in found.values():
        pid, code, name, client, channel, hours, amount, period, thresholds = head
        out.append(ProjectBudget(
            pid, code, name, client, channel, hours, amount,  # type: ignore[arg-type]
            str(period or "total"), tuple(sorted(set(thresholds or DEFAULT_THRESHOLDS))),  # type: ignore[call-overload]
            tuple(tasks),
        ))  # fmt: skip
    return out


@dataclass(frozen=True)
class UsageRow:
    """One person's time on one task (or none) of a project: in the period, approved (or
    billed) in the period, and in each of the two burn weeks."""

    task_id: int | None
    person: str  # Slack id
    seconds: int
    approved_seconds: int
    week1_seconds: int  # the older of the two weeks
    week2_seconds: int  # the last seven days, today included


def _within(first: str, last: str) -> ColumnElement[bool]:
    return and_(TimeEntry.date >= bindparam(first, type_=TimeEntry.date.type),
                TimeEntry.date <= bindparam(last, type_=TimeEntry.date.type))  # fmt: skip


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, TimeEntry.duration_seconds), else_=0)), 0)


_APPROVED = or_(TimeEntry.status == EntryStatus.APPROVED, TimeEntry.status == EntryStatus.BILLED)
_USAGE = (
    select(
        TimeEntry.task_id,
        Person.slack_id,
        _sum(_within("first", "last")),
        _sum(and_(_within("first", "last"), _APPROVED)),
        _sum(_within("burn_first", "week2_first_less")),
        _sum(_within("week2_first", "today")),
    )
    .join(Person, Person.id == TimeEntry.person_id)
    .where(TimeEntry.project_id == bindparam("project_id"), TimeEntry.date >= bindparam("lower"))
    .group_by(TimeEntry.task_id, Person.slack_id)
)


def usage(
    conn: Connection,
    project_id: int,
    *,
    first: date,
    last: date,
    burn_first: date,
    week2_first: date,
    today: date,
) -> list[UsageRow]:
    """A project's time by task and person, in one aggregate: the period is ``first`` to
    ``last`` (``date.min`` to ``date.max`` for a total budget), the burn weeks ``burn_first``
    to the day before ``week2_first``, and ``week2_first`` to ``today``."""
    params = {
        "project_id": project_id, "first": first, "last": last, "burn_first": burn_first,
        "week2_first": week2_first, "week2_first_less": week2_first - timedelta(days=1), "today": today,
        "lower": min(first, burn_first),
    }  # fmt: skip
    return [
        UsageRow(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in conn.execute(_USAGE, params)
    ]


def facts(conn: Connection, project_id: int, *, since: date) -> list[FactRow]:
    """The pricing facts of a project's entries dated ``since`` or later (for the pricer's batch)."""
    stmt = FACTS.where(TimeEntry.project_id == project_id, TimeEntry.date >= since).order_by(TimeEntry.id)
    return [FactRow._make(row) for row in conn.execute(stmt)]


@dataclass(frozen=True)
class MarkRow:
    subject: str
    threshold: int
    above: bool
    crossings: int


_M = BudgetMark


def marks(conn: Connection, subjects: Iterable[str], period: str) -> dict[tuple[str, int], MarkRow]:
    """The marks of these subjects in the period, by (subject, threshold)."""
    stmt = select(_M.subject, _M.threshold, _M.above, _M.crossings).where(
        _M.subject.in_(list(subjects)), _M.period == period
    )
    return {(r[0], r[1]): MarkRow(r[0], r[1], bool(r[2]), int(r[3])) for r in conn.execute(stmt)}


_INSERT = {
    name: module.insert(BudgetMark).on_conflict_do_nothing(
        index_elements=[_M.subject, _M.period, _M.threshold]
    )
    for name, module in (("sqlite", sqlite_dialect), ("postgresql", postgresql_dialect))
}


def cross(
    conn: Connection, subject: str, period: str, thresholds: list[int], *, now: datetime
) -> list[tuple[int, int]]:
    """Mark the thresholds crossed upward: the (threshold, crossings) this call moved from
    below to above. A threshold another process crossed first is not among them."""
    rows = [{"subject": subject, "period": period, "threshold": t, "above": False, "crossings": 0,
             "updated_at": now} for t in thresholds]  # fmt: skip
    conn.execute(_INSERT[conn.dialect.name], rows)
    stmt = (
        update(_M)
        .where(_M.subject == subject, _M.period == period, _M.threshold.in_(thresholds), _M.above.is_(False))
        .values(above=True, crossings=_M.crossings + 1, updated_at=now)
        .returning(_M.threshold, _M.crossings)
    )
    return sorted((int(r[0]), int(r[1])) for r in conn.execute(stmt))


def fall(conn: Connection, subject: str, period: str, thresholds: list[int], *, now: datetime) -> None:
    """Consumption is below these thresholds now: the next crossing alerts again."""
    conn.execute(
        update(_M)
        .where(_M.subject == subject, _M.period == period, _M.threshold.in_(thresholds), _M.above.is_(True))
        .values(above=False, updated_at=now)
    )
