"""Entries moving through approval: submitted, approved (prices frozen, then locked by the
database), rejected, reopened. The submission's own bookkeeping is ``bot.services.approvals``'s;
the entries' changes, and their records in the audit trail, are made here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from bot.services.freeze import freeze
from storage import audit
from storage import entries as store
from storage.entries import EntryRow
from storage.models import EntryStatus


def submit(
    conn: Connection, entries: list[EntryRow], *, submission_id: int, actor: str, now: datetime
) -> None:
    store.mark_submitted(conn, [e.id for e in entries], submission_id=submission_id, now=now)
    for entry in entries:
        audit.record(conn, entry_id=entry.id, actor=actor, action="submit", now=now, before=entry,
                     comment=f"submission {submission_id}")  # fmt: skip


def decide_waiting(
    conn: Connection, submission_id: int, *, approve: bool, actor: str, now: datetime, reason: str
) -> list[int]:
    """Every entry of the submission still waiting, approved or rejected at once; their ids.
    Approved prices are frozen with the status in the same statement."""
    ids = store.waiting_ids(conn, submission_id)
    status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    if approve:  # prices frozen (the rate in force now, from now on) with the status, in one UPDATE
        freeze(conn, submission_id=submission_id, status=status, now=now)
    # One UPDATE and one batched INSERT, whatever the size: 500 entries and their 500
    # records commit together in milliseconds (bench/approval_load.py).
    store.decide_waiting(conn, submission_id, status=status, now=now)
    audit.record_each(
        conn, ids, actor=actor, action="approve" if approve else "reject", now=now, comment=reason
    )
    return ids


def decide_one(
    conn: Connection,
    entry: EntryRow,
    *,
    submission_id: int,
    approve: bool,
    actor: str,
    now: datetime,
    reason: str,
) -> bool:
    """One waiting entry approved or rejected; False when it no longer waits."""
    status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    if approve:  # priced first, while still submitted (approved prices are locked); status kept
        freeze(conn, [entry.id], submission_id=submission_id, now=now)
    if not store.decide_one(conn, entry.id, submission_id=submission_id, status=status, now=now):
        return False
    audit.record(conn, entry_id=entry.id, actor=actor, action="approve" if approve else "reject", now=now,
                 comment=reason, subject=entry)  # fmt: skip
    return True


def reopen(conn: Connection, entry: EntryRow, *, actor: str, reason: str, now: datetime) -> EntryRow:
    """Back to draft (its price unfrozen), out of its submission, with the reason on record."""
    after = store.reopen(conn, entry.id, now=now)
    audit.record(conn, entry_id=entry.id, actor=actor, action="reopen", now=now, before=entry, after=after,
                 comment=reason)  # fmt: skip
    return after


def bill(conn: Connection, entry_ids: list[int], *, invoice: str, actor: str, now: datetime) -> int:
    """Approved entries billed on an issued invoice, each on record; how many."""
    moved = store.set_billed(conn, entry_ids, billed=True, now=now)
    audit.record_each(conn, entry_ids, actor=actor, action="bill", now=now, comment=f"invoice {invoice}")
    return moved


def release(conn: Connection, entry_ids: list[int], *, invoice: str, actor: str, reason: str,
            now: datetime) -> int:  # fmt: skip
    """Billed entries back to approved (their invoice voided), each on record; how many."""
    moved = store.set_billed(conn, entry_ids, billed=False, now=now)
    audit.record_each(conn, entry_ids, actor=actor, action="release", now=now,
                      comment=f"invoice {invoice} voided: {reason}")  # fmt: skip
    return moved
