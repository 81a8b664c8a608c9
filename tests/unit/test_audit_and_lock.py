"""The audit trail is append-only and approved entries are locked, in the database itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.services import audit, entries
from bot.services.entries.form import EntryForm, save
from bot.views import audit as audit_views
from storage import people
from storage.db import Database
from storage.models import AuditRecord, EntryStatus, TimeEntry
from tests.conftest import Clock, session_scope
from tests.unit.test_timers import refused, run


def test_every_change_is_recorded_with_actor_and_time(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(db, "start acme Design drafting", clock())
    run(db, "stop", clock() + timedelta(minutes=30))
    run(db, "log 1h acme Build footer", clock())
    with session_scope(sessions) as s:
        logged = s.scalars(select(TimeEntry).where(TimeEntry.description == "footer")).one()
    with db.transaction() as conn:
        person = people.person(conn, "U0MEMBER")
        assert person is not None
        form = EntryForm(logged.project_id, logged.task_id, logged.date, "2h", None, None, "footer and header",
                         None, True)  # fmt: skip
        save(conn, person, form, now=clock() + timedelta(hours=1), entry_id=logged.id)
        entries.delete(conn, person, logged.id, now=clock() + timedelta(hours=2))
        trail = audit.history(conn, logged.id)
    assert [(r.action, r.actor) for r in trail] == [
        ("create", "U0MEMBER"),
        ("edit", "U0MEMBER"),
        ("delete", "U0MEMBER"),
    ]
    assert [r.at for r in trail] == [clock(), clock() + timedelta(hours=1), clock() + timedelta(hours=2)]
    edit = trail[1]
    assert edit.before and edit.after
    assert (edit.before["description"], edit.after["description"]) == ("footer", "footer and header")
    assert (edit.before["duration_seconds"], edit.after["duration_seconds"]) == (3600, 7200)
    assert "description: 'footer' → 'footer and header'" in audit_views.render(trail)


def test_audit_records_can_be_neither_changed_nor_deleted(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(db, "log 1h acme something", clock())
    for statement in (update(AuditRecord).values(actor="someone else"), delete(AuditRecord)):
        with pytest.raises(DBAPIError, match="append-only"), session_scope(sessions) as s:
            s.execute(statement)
    with session_scope(sessions) as s:
        assert [r.actor for r in s.scalars(select(AuditRecord))] == ["U0MEMBER"]


def test_approved_entries_are_locked_in_storage(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(db, "log 1h acme approved work", clock())
    with session_scope(sessions) as s:
        s.execute(update(TimeEntry).values(status=EntryStatus.APPROVED))
    for statement in (
        update(TimeEntry).values(description="changed behind the app's back"),
        update(TimeEntry).values(duration_seconds=7200),
        update(TimeEntry).values(amount=1),
        delete(TimeEntry),
    ):
        with pytest.raises(DBAPIError, match="locked"), session_scope(sessions) as s:
            s.execute(statement)
    with session_scope(sessions) as s:  # billing it, and reopening it, change only the status
        s.execute(update(TimeEntry).values(status=EntryStatus.BILLED))
        s.execute(update(TimeEntry).values(status=EntryStatus.DRAFT))
        s.execute(update(TimeEntry).values(description="fixed after reopening"))
        assert s.scalars(select(TimeEntry)).one().description == "fixed after reopening"


def test_a_closed_month_locks_its_entries_everywhere(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    from datetime import date

    from bot.errors import Refused
    from bot.services import periods

    run(db, "log 1h acme October work on 2026-10-15", clock())
    with db.transaction() as conn:
        periods.close(conn, "2026-10", actor="cli", reason="month-end", now=clock())
    assert "October 2026 is closed" in refused(db, "log 1h acme late October on 2026-10-20", clock())
    for statement in (update(TimeEntry).values(description="changed"), delete(TimeEntry)):
        with pytest.raises(DBAPIError, match="period is closed"), session_scope(sessions) as s:
            s.execute(statement)
    with pytest.raises(DBAPIError, match="period is closed"), session_scope(sessions) as s:
        entry = s.scalars(select(TimeEntry)).one()
        s.add(TimeEntry(person_id=entry.person_id, project_id=entry.project_id, date=date(2026, 10, 3),
                        duration_seconds=60, description="sneaked in", billable=True))  # fmt: skip
        s.flush()
    with pytest.raises(Refused, match="month_reason_needed"), db.transaction() as conn:
        periods.reopen(conn, "2026-10", actor="cli", reason="", now=clock())
    with db.transaction() as conn:
        periods.reopen(conn, "2026-10", actor="cli", reason="client dispute", now=clock())
    run(db, "log 1h acme late October on 2026-10-20", clock())
    with session_scope(sessions) as s:
        actions = [
            (r.action, r.comment)
            for r in s.scalars(select(AuditRecord).where(AuditRecord.entry_id.is_(None)))
        ]
    assert actions == [("close", "2026-10 month-end"), ("reopen", "2026-10 client dispute")]
