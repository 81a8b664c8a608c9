"""A timer's span as an entry: the one way a stopped timer (``/track stop``, a switch, the
Home tab, a choice after a long timer, later a nudge) becomes time.

A plain stop saves what the timer measured only when that is unremarkable. A timer that ran
longer than the firm's limit (12 hours unless set) or past its owner's midnight is not saved
silently: the refusal carries what the person may choose (save until start + 8 h, until the
limit, all of it if short, other times in the form, or discard), and nothing is billed until
they choose. A timer begun in a month closed since can save its part in the open month.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection

from bot.services import project_index
from bot.services.clock import local_date, zone
from bot.services.entries import rules
from bot.services.entries.changes import Draft, Saved, _billed, _complete, _content
from bot.services.entries.rules import Invalid, Rule, Violation
from storage import audit, catalog, periods
from storage import entries as store
from storage import people as people_store
from storage.models import EntrySource
from storage.people import PersonRow
from storage.timers import TimerRow

WORKDAY = timedelta(hours=8)  # what "start + 8 h" offers


def from_timer(
    conn: Connection,
    person: PersonRow,
    timer: TimerRow,
    *,
    now: datetime,
    end: datetime | None = None,
    begin: datetime | None = None,
    comment: str = "stopped timer",
) -> Saved:
    """The timer's span (``begin``..``end`` when the person chose them, else its start to
    ``now``) as an entry; the caller has taken the timer, and on a refusal it rolls back
    and the timer runs on. The entry's day is the day its span starts in the person's
    timezone; its project and task are kept even if closed since it started. What the
    policy still asks (a description) does not refuse it: it is saved and ``pending``."""
    start, stop = begin or timer.started_at, end or now
    workspace = people_store.workspace(conn)
    day = local_date(start, person.timezone)
    closed = periods.closed_among(conn, day)
    chosen = end is not None or begin is not None
    if closed and not chosen:
        raise Invalid([_closed(conn, person, timer, day, now=now)], timer=True)
    if not chosen:
        review = _review(person, timer, now=now, limit=timedelta(minutes=workspace.timer_limit_minutes))
        if review is not None:
            raise Invalid([review], timer=True)
    if chosen and not timer.started_at <= start < stop <= now:
        raise Invalid([Violation("entry", Rule.TIMER_SPAN, {"timer_id": timer.id})], timer=True)
    index = project_index.current(conn)
    project = index.by_id.get(timer.project_id) or catalog.project(conn, timer.project_id)
    assert project is not None  # timers keep their project (a foreign key)
    task = None
    if timer.task_id is not None:
        task = index.tasks_by_id.get(timer.task_id) or catalog.task(conn, timer.task_id)
    elapsed = (stop - start).total_seconds()
    # Whole seconds of true elapsed time (UTC instants: exact across a DST change); a timer
    # that ran part of a second ran some time.
    seconds = max(1, int(elapsed)) if elapsed > 0 else 0
    draft = Draft(
        project_id=project.id, day=day, seconds=seconds, task_id=timer.task_id,
        work_type_id=timer.work_type_id, description=timer.description, billable=timer.billable,
        started_at=start, ended_at=stop,
    )  # fmt: skip
    found = rules.duration(seconds) + rules.day(
        day, today=local_date(now, person.timezone), closed=closed, earliest=workspace.earliest_entry_date
    )
    found += rules.description(timer.description)
    found += rules.task_of(project, task, newly_chosen=False)
    if found:
        raise Invalid(found, timer=True)
    entry = store.insert_entry(
        conn,
        person_id=person.id,
        values=_content(draft, project, task, None),
        source=EntrySource.TIMER,
        now=now,
    )
    audit.record(conn, entry_id=entry.id, actor=person.slack_id, action="create", now=now, after=entry,
                 comment=comment)  # fmt: skip
    return Saved(
        entry, project, task, pending=_complete(conn, project, draft), billed=_billed(conn, entry, project)
    )


def _review(person: PersonRow, timer: TimerRow, *, now: datetime, limit: timedelta) -> Violation | None:
    """A timer that ran past the limit or its owner's midnight: what they may save instead."""
    ran = now - timer.started_at
    if ran <= timedelta(0):  # a clock that ran ahead where it started: the rules answer
        return None
    past_midnight = local_date(now, person.timezone) != local_date(timer.started_at, person.timezone)
    if ran <= limit and not past_midnight:
        return None
    facts = {"timer_id": timer.id, "started_at": timer.started_at, "now": now, "ran": ran, "limit": limit,
             "past_midnight": past_midnight, "ends": _ends(timer.started_at, ran, limit)}  # fmt: skip
    return Violation("entry", Rule.TIMER_REVIEW, facts)


def _ends(started: datetime, ran: timedelta, limit: timedelta) -> list[datetime]:
    """The ends a person may pick: start + 8 h and the limit (when the timer ran that long),
    or all of it when it ran less than both; never more than a day."""
    ends = [started + span for span in sorted({WORKDAY, limit}) if span < ran]
    if ran <= limit:
        ends.append(started + ran)
    return [e for e in ends if e - started <= timedelta(seconds=rules.MAX_ENTRY_SECONDS)]


def _closed(conn: Connection, person: PersonRow, timer: TimerRow, day: date, *, now: datetime) -> Violation:
    """Begun in a closed month: the part from the first open day on may be saved."""
    first = day.replace(day=1)
    while periods.closed_among(conn, first):
        first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)  # the next month
    open_from = datetime.combine(first, time.min, tzinfo=zone(person.timezone)).astimezone(now.tzinfo)
    facts = {
        "day": day,
        "timer_id": timer.id,
        "open_from": open_from if open_from < now else None,
        "now": now,
    }
    return Violation("date", Rule.CLOSED_MONTH, facts)
