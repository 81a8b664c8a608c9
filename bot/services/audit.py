"""Reading the audit trail: an entry's history for those who may see it, or a period's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import Connection

from bot.errors import Refused
from storage import audit, entries
from storage.audit import AuditRow
from storage.models import Role
from storage.people import PersonRow


def history_for(conn: Connection, person: PersonRow, entry_id: int | None) -> tuple[int, list[AuditRow]]:
    """An entry's history (the person's last entry when ``entry_id`` is None): their own
    entries, or any for partners and admins."""
    if entry_id is None:
        last = entries.last_entry(conn, person.id)
        if last is None:
            raise Refused("no_entries_yet")
        entry_id = last.id
    records = audit.history(conn, entry_id)
    owner = entries.entry(conn, entry_id)
    mine = (owner is not None and owner.person_id == person.id) or (
        owner is None and any(r.actor == person.slack_id for r in records)
    )
    if not records or not (mine or person.role in (Role.PARTNER, Role.ADMIN)):
        raise Refused("no_history", entry=entry_id)
    return entry_id, records


def history(conn: Connection, entry_id: int) -> list[AuditRow]:
    return audit.history(conn, entry_id)


def between(conn: Connection, first: date, last: date) -> Iterator[AuditRow]:
    return audit.between(conn, first, last)
