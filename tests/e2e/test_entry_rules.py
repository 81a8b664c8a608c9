"""One set of rules for every entry: the same invalid input gets the same rule's words from
``/track log``, the entry form and a timer stop, and the same valid input makes the same entry."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services import periods
from bot.services.export import rows, write_csv
from storage.models import Person, Project, RunningTimer, Task, TimeEntry
from tests.conftest import RunningApp, import_firm, session_scope
from tests.e2e.test_modals import opened_view, selected, state, submit

DURATION = "An entry is more than zero and at most 24 hours."
FUTURE = "Tue 01 Jan 2030 is in the future; you can only log time already worked."
TASK = "That task is not a task of ACME-WEB; choose one of its tasks."
REQUIRED = "ACME-WEB needs a description."
CLOSED = "October 2026 is closed, so its time can't change; an admin can reopen it."
OTHER_PROJECT = (
    "clients: [{name: Beta LLP, projects: [{name: Tax Return, code: BETA-TAX, tasks: [{name: Audit}]}]}]"
)


def ids(app: RunningApp) -> dict[str, int]:
    with session_scope(app.sessions) as s:
        project = s.scalar(select(Project.id).where(Project.code == "ACME-WEB"))
        design = s.scalar(select(Task.id).where(Task.name == "Design"))
        audit = s.scalar(select(Task.id).where(Task.name == "Audit"))
        member = s.scalar(select(Person.id).where(Person.slack_id == "U0MEMBER"))
    return {"project": project, "design": design, "audit": audit or 0, "member": member}  # type: ignore[dict-item]


def entry_count(app: RunningApp) -> int:
    with session_scope(app.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(TimeEntry)) or 0)


def close_october(app: RunningApp) -> None:
    with app.db.transaction() as conn:
        periods.close(conn, "2026-10", actor="cli", reason="month-end", now=app.clock())


def by_log(app: RunningApp, case: str) -> str:
    texts = {
        "25 h": "log 25h acme Build wireframes",
        "zero": "log 0m acme Build wireframes",
        "future date": "log 1h acme Build wireframes on 2030-01-01",
        "missing description": "log 1h acme Build",
        "closed month": "log 1h acme Build wireframes on 2026-10-15",
    }
    if case == "closed month":
        close_october(app)
    return app.say(texts[case])


def by_form(app: RunningApp, case: str) -> str:
    n = ids(app)
    values: dict[str, Any] = {
        "project": selected(n["project"]), "task": selected(n["design"]), "date": {"selected_date": "2026-11-16"},
        "duration": {"value": "1h"}, "description": {"value": "wireframes"},
        "billable": {"selected_options": [{"value": "billable"}]},
    }  # fmt: skip
    if case == "closed month":
        close_october(app)
    change = {
        "25 h": {"duration": {"value": "25h"}},
        "zero": {"duration": {"value": "0m"}},
        "future date": {"date": {"selected_date": "2030-01-01"}},
        "task of another project": {"task": selected(n["audit"])},
        "missing description": {"description": {"value": ""}},
        "closed month": {"date": {"selected_date": "2026-10-15"}},
    }[case]
    app.track("new")
    answer = submit(app, opened_view(app), state(**{**values, **change}))
    assert answer["response_action"] == "errors", answer
    [message] = answer["errors"].values()  # under the one field the rule concerns
    return str(message)


def by_timer_stop(app: RunningApp, case: str) -> str:
    n = ids(app)
    started = app.clock()
    if case == "closed month":  # started on 31 October in Berlin, stopped after the close
        app.clock.set(datetime(2026, 10, 31, 20, 0, tzinfo=UTC))
        started = app.clock()
    app.say("start acme Build wireframes" if case != "missing description" else "start acme Build")
    with session_scope(app.sessions) as s:  # what a timer may hold when it is stopped
        if case == "future date":  # a clock that ran ahead where it was started
            s.execute(
                RunningTimer.__table__.update().values(started_at=datetime(2030, 1, 1, 9, 0, tzinfo=UTC))
            )
        if case == "task of another project":
            s.execute(RunningTimer.__table__.update().values(task_id=n["audit"]))
    later = {"25 h of a timer": timedelta(hours=25), "zero": timedelta(0), "closed month": timedelta(hours=5)}
    app.clock.set(started + later.get(case, timedelta(hours=1)))
    if case == "closed month":
        close_october(app)
    _status, answer = app.track("stop")
    return str(answer.get("text", "")) + json.dumps(answer.get("blocks", []))


CASES = {
    "25 h": (DURATION, (by_log, by_form)),
    # A timer that ran past the firm's limit is not refused by the 24-hour rule: its owner is
    # asked how long they worked (tests/e2e/test_timer_choices.py).
    "25 h of a timer": ("has run 25:00, more than the firm's 12 hours", (by_timer_stop,)),
    "zero": (DURATION, (by_log, by_form, by_timer_stop)),
    "future date": (FUTURE, (by_log, by_form, by_timer_stop)),
    # /track names a task by its name among the project's own tasks: the text cannot name another's.
    "task of another project": (TASK, (by_form, by_timer_stop)),
    "missing description": (REQUIRED, (by_log, by_form, by_timer_stop)),
    "closed month": (CLOSED, (by_log, by_form, by_timer_stop)),
}


@pytest.mark.parametrize("surface", ["by_log", "by_form", "by_timer_stop"])
@pytest.mark.parametrize("case", list(CASES))
def test_an_invalid_entry_gets_the_same_rules_words_on_every_surface(
    firm: None, running_app: RunningApp, case: str, surface: str
) -> None:
    message, surfaces = CASES[case]
    chosen = {f.__name__: f for f in surfaces}.get(surface)
    if chosen is None:
        pytest.skip(f"{surface} cannot express {case}")
    import_firm(running_app.db, OTHER_PROJECT, running_app.clock())
    answer = chosen(running_app, case)
    assert message in answer, (case, surface, answer)
    if case == "missing description" and surface == "by_timer_stop":
        # Measured time is never thrown away: saved, and held back from submission.
        assert "Saved 1:00" in answer and entry_count(running_app) == 1
    else:
        assert entry_count(running_app) == 0, (case, surface)
    if surface == "by_timer_stop" and case in ("25 h of a timer", "closed month"):
        assert "timer_choice" in answer  # buttons: what they may save instead, or discard
    elif surface == "by_timer_stop" and case != "missing description":
        assert "The timer is still running" in answer and "`/track discard`" in answer


def exported(app: RunningApp) -> list[dict[str, str]]:
    out = io.StringIO()
    with app.db.transaction(read_only=True) as conn:
        write_csv(out, rows(conn))
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_the_same_valid_entry_from_every_surface_makes_the_same_export_row(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    app.say("log 1h acme Design wireframes on 2026-11-16")
    n = ids(app)
    app.track("new")
    answer = submit(app, opened_view(app), state(
        project=selected(n["project"]), task=selected(n["design"]), date={"selected_date": "2026-11-16"},
        duration={"value": "1h"}, description={"value": "wireframes"},
        billable={"selected_options": [{"value": "billable"}]},
    ))  # fmt: skip
    assert answer["response_action"] == "update", answer
    now = app.clock()
    app.clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))  # 10:00 in Berlin, Monday
    app.say("start acme Design wireframes")
    app.clock.set(datetime(2026, 11, 16, 10, 0, tzinfo=UTC))
    app.say("stop")
    app.clock.set(now)
    first, *others = exported(app)
    assert len(others) == 2 and all(row == first for row in others), (first, others)
    assert (first["date"], first["task"], first["hours"], first["amount"]) == (
        "2026-11-16",
        "Design",
        "1.00",
        "300.00",
    )
