"""People and the workspace's settings: who is asking, and the rules of their firm.

The person is read together with the workspace's settings (one statement on the hot path);
``workspace()`` then reuses them for the rest of the transaction.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, literal, select, update

from storage.fast import Prepared, cols, insert_new
from storage.models import Person, Role, Workspace

DEFAULT_MAX_ENTRY_HOURS = 24


@dataclass(frozen=True)
class PersonRow:
    id: int
    slack_id: str
    name: str
    role: Role
    timezone: str
    timezone_from_import: bool
    schedule: dict[str, int]
    # When the Slack profile (name, timezone) was last read; None: registered from a request
    # and not yet looked up (bot.services.people.refresh_profile fills it after the ack).
    profile_synced_at: datetime | None = None
    country: str | None = None  # public holidays: None, the workspace's
    subdivision: str | None = None
    reminders: bool = True  # missing-hours nudges
    reminder_minutes: int = 570  # their local time of day (09:30)


@dataclass(frozen=True)
class WorkspaceRow:
    timezone: str
    required_fields: list[str]
    min_description_length: int = 0
    catalog_version: int = 0  # bumped by the import when the catalog changes (project_index)
    locale: str = "en_US"  # how money and numeric dates are written
    earliest_entry_date: date | None = None  # None: two years before today
    timer_limit_minutes: int = 720
    country: str | None = None  # public holidays (the holidays package)
    subdivision: str | None = None
    forgotten_timer_minutes: int = 600  # a running timer is asked about past this
    missing_hours_tolerance_minutes: int = 30  # a day short by more than this is nudged


_PERSON_COLUMNS = cols(PersonRow, Person)
_WORKSPACE_COLUMNS = cols(WorkspaceRow, Workspace)
_P = len(_PERSON_COLUMNS)
_IN_TRANSACTION = "punchcard.workspace"

# Statements are built and compiled once (storage.fast): building, compiling and running a
# statement through the full execution machinery per request costs more than running it.
_WORKSPACE = Prepared(select(*_WORKSPACE_COLUMNS).where(Workspace.id == literal(1)))
_PERSON = (
    select(*_PERSON_COLUMNS, Workspace.id, *_WORKSPACE_COLUMNS)
    .outerjoin(Workspace, Workspace.id == literal(1))
    .where(Person.slack_id == bindparam("slack_id"))
)
_PERSON_Q = Prepared(_PERSON)
_PERSON_LOCKED = Prepared(_PERSON.with_for_update(of=Person))
_PERSON_BY_ID = Prepared(select(*_PERSON_COLUMNS).where(Person.id == bindparam("person_id")))
_REGISTER_VALUES = (
    "slack_id", "name", "role", "timezone", "timezone_from_import", "schedule", "active", "created_at",
    "updated_at",
)  # fmt: skip
# Registration is one statement that two first requests can race: the unique key on
# slack_id decides, the loser inserts nothing and reads the winner's row.
_REGISTER = insert_new(Person, _REGISTER_VALUES, (Person.slack_id,), Person.id)
_UNSYNCED = select(Person.slack_id).where(Person.profile_synced_at.is_(None)).order_by(Person.id)


def person(conn: Connection, slack_id: str, *, for_update: bool = False) -> PersonRow | None:
    """``for_update`` locks the person's row: their timer changes one request at a time."""
    row = (_PERSON_LOCKED if for_update else _PERSON_Q).first(conn, {"slack_id": slack_id})
    if row is None:
        return None
    transaction = conn.get_transaction()
    if row[_P] is not None and transaction is not None:  # kept for workspace() in this transaction
        # A weak reference: conn.info outlives the transaction, which must not be kept alive.
        conn.info[_IN_TRANSACTION] = (weakref.ref(transaction), _workspace_row(row[_P + 1 :]))
    return PersonRow(*row[:_P])


def person_by_id(conn: Connection, person_id: int) -> PersonRow | None:
    row = _PERSON_BY_ID.first(conn, {"person_id": person_id})
    return PersonRow(*row) if row else None


def workspace(conn: Connection) -> WorkspaceRow:
    """The workspace's settings; read with the person earlier in this transaction, or now."""
    kept = conn.info.get(_IN_TRANSACTION)
    transaction = conn.get_transaction()
    if kept is not None and transaction is not None and kept[0]() is transaction:
        return kept[1]  # type: ignore[no-any-return]
    row = _WORKSPACE.first(conn)
    return _workspace_row(row) if row else WorkspaceRow("UTC", [])


def _workspace_row(row: tuple[Any, ...]) -> WorkspaceRow:
    (
        timezone,
        required,
        min_length,
        version,
        locale,
        earliest,
        limit,
        country,
        subdivision,
        forgotten,
        tolerance,
    ) = row
    return WorkspaceRow(
        timezone,
        list(required or []),
        min_length or 0,
        version or 0,
        locale or "en_US",
        earliest,
        limit or 720,
        country,
        subdivision,
        600 if forgotten is None else forgotten,
        30 if tolerance is None else tolerance,
    )


def register(conn: Connection, *, slack_id: str, name: str, timezone: str, now: datetime) -> PersonRow:
    """A member registered on first use (people from the import are upserted by it), or
    the row a concurrent first request registered."""
    values: dict[str, Any] = dict(
        slack_id=slack_id, name=name, role=Role.MEMBER, timezone=timezone, timezone_from_import=False,
        schedule={}, active=True, created_at=now, updated_at=now,
    )  # fmt: skip
    _REGISTER[conn.dialect.name].scalar(conn, values)
    found = person(conn, slack_id)
    assert found is not None
    return found


def unsynced(conn: Connection, *, limit: int = 100, before: datetime | None = None) -> list[str]:
    """Slack ids of people whose profile was never read from Slack (registered before ``before``)."""
    statement = _UNSYNCED if before is None else _UNSYNCED.where(Person.created_at <= before)
    return list(conn.execute(statement.limit(limit)).scalars())


def set_profile(
    conn: Connection, slack_id: str, *, name: str | None, timezone: str | None, now: datetime
) -> None:
    """Name and timezone from Slack; a timezone from the import always wins. ``None``
    keeps what is there (Slack did not say)."""
    values: dict[str, Any] = {"profile_synced_at": now, "updated_at": now}
    if name:
        values["name"] = name
    conn.execute(update(Person).where(Person.slack_id == slack_id).values(values))
    if timezone:
        conn.execute(
            update(Person)
            .where(Person.slack_id == slack_id, Person.timezone_from_import.is_(False))
            .values(timezone=timezone)
        )


def set_reminders(
    conn: Connection, person_id: int, *, on: bool | None, minutes: int | None, now: datetime
) -> None:
    """Missing-hours nudges on or off, and their local time of day (minutes after midnight)."""
    values: dict[str, Any] = {"updated_at": now}
    if on is not None:
        values["reminders"] = on
    if minutes is not None:
        values["reminder_minutes"] = minutes
    conn.execute(update(Person).where(Person.id == person_id).values(values))


def slack_ids_and_zones(conn: Connection, person_ids: list[int]) -> dict[int, tuple[str, str]]:
    """person id -> (Slack id, timezone), for these people."""
    if not person_ids:
        return {}
    found = conn.execute(
        select(Person.id, Person.slack_id, Person.timezone).where(
            Person.id.in_(bindparam("ids", expanding=True))
        ),
        {"ids": sorted(set(person_ids))},
    )
    return {pid: (slack_id, tz) for pid, slack_id, tz in found}
