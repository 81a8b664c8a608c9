"""Time entries: the statements behind ``bot.services.entries``, the one module that writes them.

Reads for reports and the Home tab take windows of a period (what a page shows), with the
period's totals counted by the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, delete, func, insert, select, update

from storage.catalog import TASK_COLUMNS, ProjectRow, TaskRow, projects
from storage.fast import Prepared, cols, unpack
from storage.models import EntrySource, EntryStatus, Task, TimeEntry


@dataclass(frozen=True)
class EntryRow:
    id: int
    person_id: int
    project_id: int
    task_id: int | None
    work_type_id: int | None
    date: date
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int
    description: str
    billable: bool
    status: EntryStatus
    source: EntrySource
    updated_at: datetime | None = None  # what a form remembers, to tell whether it changed since


@dataclass(frozen=True)
class Totals:
    count: int
    seconds: int
    billable_seconds: int


ENTRY_COLUMNS = cols(EntryRow, TimeEntry)
# What a change writes (the rest is the entry's identity, status and bookkeeping).
CONTENT = (
    "project_id", "task_id", "work_type_id", "date", "started_at", "ended_at", "duration_seconds",
    "description", "billable",
)  # fmt: skip
_INSERT = Prepared(
    insert(TimeEntry)
    .values(
        {n: bindparam(n) for n in ("person_id", *CONTENT, "status", "source", "created_at", "updated_at")}
    )
    .returning(*ENTRY_COLUMNS)
)
_UPDATE = Prepared(
    update(TimeEntry)
    .where(TimeEntry.id == bindparam("entry_id"))
    .values({n: bindparam(f"v_{n}") for n in (*CONTENT, "updated_at")})
    .returning(*ENTRY_COLUMNS)
)
_DELETE = Prepared(delete(TimeEntry).where(TimeEntry.id == bindparam("entry_id")).returning(*ENTRY_COLUMNS))
_GET = select(*ENTRY_COLUMNS).where(TimeEntry.id == bindparam("entry_id"))
_GET_Q, _GET_LOCKED = Prepared(_GET), Prepared(_GET.with_for_update())
_LAST = Prepared(
    select(*ENTRY_COLUMNS)
    .where(TimeEntry.person_id == bindparam("person_id"))
    .order_by(TimeEntry.created_at.desc(), TimeEntry.id.desc())
    .limit(1)
)
_PERSON_BETWEEN = (
    TimeEntry.person_id == bindparam("person_id"),
    TimeEntry.date >= bindparam("first"),
    TimeEntry.date <= bindparam("last"),
)
_ENTRY_AND_TASK = select(*ENTRY_COLUMNS, *TASK_COLUMNS).outerjoin(Task, Task.id == TimeEntry.task_id)
_IN_DAY_ORDER = (TimeEntry.date, TimeEntry.started_at, TimeEntry.id)
_ENTRIES_BETWEEN = Prepared(_ENTRY_AND_TASK.where(*_PERSON_BETWEEN).order_by(*_IN_DAY_ORDER))
# A window of a period's entries: the first ones in day order, or the latest first.
_FIRST_BETWEEN = Prepared(
    _ENTRY_AND_TASK.where(*_PERSON_BETWEEN).order_by(*_IN_DAY_ORDER).limit(bindparam("limit"))
)
_LATEST_BETWEEN = Prepared(
    _ENTRY_AND_TASK.where(*_PERSON_BETWEEN)
    .order_by(TimeEntry.date.desc(), TimeEntry.id.desc())
    .limit(bindparam("limit"))
)
_TOTALS_BETWEEN = Prepared(
    select(
        func.count(),
        func.coalesce(func.sum(TimeEntry.duration_seconds), 0),
        func.coalesce(func.sum(case((TimeEntry.billable.is_(True), TimeEntry.duration_seconds), else_=0)), 0),
    ).where(*_PERSON_BETWEEN)
)


def insert_entry(
    conn: Connection, *, person_id: int, values: dict[str, Any], source: EntrySource, now: datetime
) -> EntryRow:
    """A new draft; ``values`` holds every CONTENT column."""
    params = {**values, "person_id": person_id, "status": EntryStatus.DRAFT, "source": source,
              "created_at": now, "updated_at": now}  # fmt: skip
    row = _INSERT.first(conn, params)
    assert row is not None
    return EntryRow(*row)


def update_entry(conn: Connection, entry_id: int, *, values: dict[str, Any], now: datetime) -> EntryRow:
    """New content for an entry; ``values`` holds every CONTENT column."""
    params = {f"v_{k}": v for k, v in values.items()}
    row = _UPDATE.first(conn, {**params, "v_updated_at": now, "entry_id": entry_id})
    assert row is not None
    return EntryRow(*row)


def delete_entry(conn: Connection, entry_id: int) -> EntryRow | None:
    row = _DELETE.first(conn, {"entry_id": entry_id})
    return EntryRow(*row) if row else None


def entry(conn: Connection, entry_id: int, *, for_update: bool = False) -> EntryRow | None:
    row = (_GET_LOCKED if for_update else _GET_Q).first(conn, {"entry_id": entry_id})
    return EntryRow(*row) if row else None


def entries(conn: Connection, entry_ids: list[int]) -> list[EntryRow]:
    found = conn.execute(select(*ENTRY_COLUMNS).where(TimeEntry.id.in_(entry_ids)).order_by(TimeEntry.id))
    return [EntryRow(*row) for row in found]


def last_entry(conn: Connection, person_id: int) -> EntryRow | None:
    """The person's entry made last."""
    row = _LAST.first(conn, {"person_id": person_id})
    return EntryRow(*row) if row else None


def totals_between(conn: Connection, person_id: int, first: date, last: date) -> Totals:
    row = _TOTALS_BETWEEN.first(conn, {"person_id": person_id, "first": first, "last": last})
    return Totals(*(int(v or 0) for v in row)) if row else Totals(0, 0, 0)


def seconds_between(conn: Connection, person_id: int, first: date, last: date) -> int:
    return totals_between(conn, person_id, first, last).seconds


def entries_window(
    conn: Connection,
    person_id: int,
    first: date,
    last: date,
    *,
    limit: int,
    latest_first: bool = False,
    known: dict[int, ProjectRow] | None = None,
) -> list[tuple[EntryRow, ProjectRow, TaskRow | None]]:
    """At most ``limit`` of the person's entries dated first..last: the first ones in day
    order, or the latest first. What a page shows, whatever the period holds."""
    statement = _LATEST_BETWEEN if latest_first else _FIRST_BETWEEN
    found = statement.rows(conn, {"person_id": person_id, "first": first, "last": last, "limit": limit})
    return _with_projects(conn, found, known)


def entries_between(
    conn: Connection, person_id: int, first: date, last: date, *, known: dict[int, ProjectRow] | None = None
) -> list[tuple[EntryRow, ProjectRow, TaskRow | None]]:
    """The person's entries dated first..last with their projects and tasks. ``known`` (the
    in-process project index's) saves reading a project per row; projects not in it (closed
    since) are read in one query."""
    found = _ENTRIES_BETWEEN.rows(conn, {"person_id": person_id, "first": first, "last": last})
    return _with_projects(conn, found, known)


def _with_projects(
    conn: Connection, found: list[tuple[Any, ...]], known: dict[int, ProjectRow] | None
) -> list[tuple[EntryRow, ProjectRow, TaskRow | None]]:
    pairs = [unpack(row, EntryRow, TaskRow) for row in found]
    known = known or {}
    missing = {entry.project_id for entry, _task in pairs if entry.project_id not in known}
    if missing:
        known = {**known, **projects(conn, missing)}
    return [(entry, known[entry.project_id], task) for entry, task in pairs]


# Moving through approval: status changes, claimed with conditional UPDATEs.
_DECIDE_WAITING = update(TimeEntry).where(
    TimeEntry.submission_id == bindparam("b_submission"), TimeEntry.status == EntryStatus.SUBMITTED
)
_WAITING_IDS = select(TimeEntry.id).where(
    TimeEntry.submission_id == bindparam("b_submission"), TimeEntry.status == EntryStatus.SUBMITTED
)


def mark_submitted(conn: Connection, entry_ids: list[int], *, submission_id: int, now: datetime) -> None:
    conn.execute(
        update(TimeEntry)
        .where(TimeEntry.id.in_(entry_ids))
        .values(status=EntryStatus.SUBMITTED, submission_id=submission_id, updated_at=now)
    )


def waiting_days(conn: Connection, submission_id: int) -> list[date]:
    """The days of the entries of the submission still waiting."""
    found = select(TimeEntry.date).where(
        TimeEntry.submission_id == submission_id, TimeEntry.status == EntryStatus.SUBMITTED
    )
    return list(conn.execute(found.distinct()).scalars())


def waiting_ids(conn: Connection, submission_id: int) -> list[int]:
    """The entries of the submission still waiting for a decision."""
    return list(conn.execute(_WAITING_IDS, {"b_submission": submission_id}).scalars())


def decide_waiting(conn: Connection, submission_id: int, *, status: EntryStatus, now: datetime) -> int:
    """Every entry of the submission still waiting gets ``status``; how many did."""
    return conn.execute(
        _DECIDE_WAITING.values(status=status, updated_at=now), {"b_submission": submission_id}
    ).rowcount


def decide_one(
    conn: Connection, entry_id: int, *, submission_id: int, status: EntryStatus, now: datetime
) -> bool:
    """The entry gets ``status`` if it still waits in the submission; False otherwise."""
    claimed = conn.execute(
        update(TimeEntry)
        .where(TimeEntry.id == entry_id, TimeEntry.submission_id == submission_id,
               TimeEntry.status == EntryStatus.SUBMITTED)
        .values(status=status, updated_at=now)
    ).rowcount  # fmt: skip
    return claimed == 1


def in_submission(conn: Connection, entry_id: int, submission_id: int) -> EntryRow | None:
    row = conn.execute(
        select(*ENTRY_COLUMNS).where(TimeEntry.id == entry_id, TimeEntry.submission_id == submission_id)
    ).first()
    return EntryRow(*row) if row else None


def reopen(conn: Connection, entry_id: int, *, now: datetime) -> EntryRow:
    """Back to draft, out of its submission, its frozen price cleared."""
    row = conn.execute(
        update(TimeEntry)
        .where(TimeEntry.id == entry_id)
        .values(status=EntryStatus.DRAFT, submission_id=None, billed_seconds=None, rate=None, amount=None,
                cost_rate=None, rate_rule=None, updated_at=now)
        .returning(*ENTRY_COLUMNS)
    ).one()  # fmt: skip
    return EntryRow(*row)


def set_billed(conn: Connection, entry_ids: list[int], *, billed: bool, now: datetime) -> int:
    """Approved entries billed (``billed``), or billed entries released back to approved;
    how many moved. Only the status changes: the lock allows nothing else."""
    before, after = (
        (EntryStatus.APPROVED, EntryStatus.BILLED) if billed else (EntryStatus.BILLED, EntryStatus.APPROVED)
    )
    moved = 0
    for start in range(0, len(entry_ids), 500):
        moved += conn.execute(
            update(TimeEntry)
            .where(TimeEntry.id.in_(entry_ids[start : start + 500]), TimeEntry.status == before)
            .values(status=after, updated_at=now)
        ).rowcount
    return moved
