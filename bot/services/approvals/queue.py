"""What waits for an approver, and sending approved time back to draft."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from bot.errors import Refused
from bot.services.entries import status
from storage import approvals as store
from storage import entries as entry_store
from storage.approvals import WaitingRow
from storage.entries import EntryRow
from storage.models import EntryStatus, Role
from storage.people import PersonRow

Waiting = WaitingRow


def waiting_for(conn: Connection, person: PersonRow) -> list[WaitingRow]:
    """Submissions waiting for this approver (admins: every pending one), oldest first, with
    their entries still waiting. Partners and admins only."""
    if person.role not in (Role.PARTNER, Role.ADMIN):
        raise Refused("approvals_for_partners")
    return store.waiting(conn, approver_id=None if person.role == Role.ADMIN else person.id)


def reopen(conn: Connection, entry_id: int, actor: PersonRow, *, reason: str, now: datetime) -> EntryRow:
    """Send an approved (or submitted) entry back to draft: partners and admins, with a reason."""
    if actor.role not in (Role.PARTNER, Role.ADMIN):
        raise Refused("reopen_for_partners")
    if not reason.strip():
        raise Refused("reopen_reason_needed")
    before = entry_store.entry(conn, entry_id, for_update=True)
    if before is None:
        raise Refused("no_entry", entry=entry_id)
    if before.status not in (EntryStatus.SUBMITTED, EntryStatus.APPROVED):
        raise Refused("not_reopenable", entry=entry_id, status=before.status.value)
    return status.reopen(conn, before, actor=actor.slack_id, reason=reason.strip(), now=now)
