"""No timer bills what nobody worked: a timer past the firm's limit or its owner's midnight, or
begun in a month closed since, is not saved as it stands; its owner chooses, and only then
is anything billed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.services import periods
from storage.models import RunningTimer, TimeEntry
from tests.conftest import RunningApp, interact, session_scope
from tests.e2e.test_modals import opened_view, selected, state, submit

MEMBER = {"id": "U0MEMBER", "username": "max", "team_id": "T0FAKE"}


def entries(app: RunningApp) -> list[TimeEntry]:
    with session_scope(app.sessions) as s:
        return list(s.scalars(select(TimeEntry).order_by(TimeEntry.id)))


def running(app: RunningApp) -> list[RunningTimer]:
    with session_scope(app.sessions) as s:
        return list(s.scalars(select(RunningTimer)))


def choices(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The buttons under the answer, by label."""
    return {
        e["text"]["text"]: e
        for b in answer.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def click(app: RunningApp, button: dict[str, Any], user: dict[str, Any] = MEMBER) -> None:
    status, _ = interact(app, {
        "type": "block_actions", "user": user, "trigger_id": "t.choice", "response_url": app.fake.response_url(),
        "container": {"type": "message", "is_ephemeral": True},
        "actions": [{"action_id": button["action_id"], "block_id": "timer_choices", "type": "button",
                     "value": button["value"]}],
    })  # fmt: skip
    assert status == 200


def replies(app: RunningApp, count: int = 1) -> list[dict[str, Any]]:
    return [c.params for c in app.fake.wait_for("response_url", count=count)]


def test_a_timer_that_ran_30_hours_bills_nothing_until_its_owner_chooses(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    app.say("start acme Build forgotten")  # 16:00 in Berlin
    app.clock.advance(hours=30)
    status, answer = app.track("stop")
    assert "has run 30:00, more than the firm's 12 hours, so it was not saved" in answer["text"]
    buttons = choices(answer)
    assert list(buttons) == [
        "Save 8:00 (until Wed 00:00)", "Save 12:00 (until Wed 04:00)", "Other times…", "Discard the timer",
    ]  # fmt: skip
    assert entries(app) == [] and len(running(app)) == 1  # nothing billed, the timer runs on
    click(app, buttons["Save 8:00 (until Wed 00:00)"])
    [reply] = replies(app)
    assert reply["replace_original"] and "Saved 8:00 on *ACME-WEB*" in reply["text"]
    [entry] = entries(app)
    assert entry.duration_seconds == 8 * 3600 and str(entry.date) == "2026-11-17" and running(app) == []
    click(app, buttons["Save 12:00 (until Wed 04:00)"])  # a second click: the timer is gone
    assert "no longer running, so nothing was changed" in replies(app, 2)[-1]["text"]
    assert len(entries(app)) == 1


def test_a_short_timer_past_midnight_offers_all_of_it_dated_the_day_it_began(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    app.clock.set(datetime(2026, 11, 17, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    app.say("start acme Build release")
    app.clock.advance(hours=1, minutes=15)
    _status, answer = app.track("stop")
    assert "has run 1:15, past midnight" in answer["text"]
    click(app, choices(answer)["Save 1:15 (until Wed 00:45)"])
    replies(app)
    [entry] = entries(app)
    assert entry.duration_seconds == 75 * 60 and str(entry.date) == "2026-11-17"


def test_a_timer_begun_in_a_month_closed_since_saves_its_open_part_or_is_discarded(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    app.clock.set(datetime(2026, 10, 31, 21, 0, tzinfo=UTC))  # 22:00 on 31 October in Berlin
    app.say("start acme Build month end")
    app.clock.set(datetime(2026, 11, 1, 7, 0, tzinfo=UTC))  # 08:00 on 1 November
    with app.db.transaction() as conn:
        periods.close(conn, "2026-10", actor="cli", reason="month-end", now=app.clock())
    _status, answer = app.track("stop")
    assert "October 2026 is closed" in answer["text"] and "Save the part in the open month" in answer["text"]
    buttons = choices(answer)
    assert list(buttons) == ["Save 8:00 from Sun 00:00", "Discard the timer"]
    _status, again = app.track("start acme Design next thing")  # the same choice, not "something went wrong"
    assert "October 2026 is closed" in again["text"] and choices(again)
    click(app, buttons["Save 8:00 from Sun 00:00"])
    assert "Saved 8:00" in replies(app)[-1]["text"]
    [entry] = entries(app)
    assert str(entry.date) == "2026-11-01" and entry.duration_seconds == 8 * 3600 and running(app) == []


def test_someone_elses_click_changes_nothing_and_discard_drops_the_timer(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    app.say("start acme Build forgotten")
    app.clock.advance(hours=14)
    buttons = choices(app.track("stop")[1])
    click(
        app,
        buttons["Save 8:00 (until Wed 00:00)"],
        user={"id": "U0PARTNER", "username": "ada", "team_id": "T0FAKE"},
    )
    assert "no longer running, so nothing was changed" in replies(app)[-1]["text"]
    assert entries(app) == [] and len(running(app)) == 1
    click(app, buttons["Discard the timer"])
    assert "Discarded the timer" in replies(app, 2)[-1]["text"]
    assert entries(app) == [] and running(app) == []


def test_other_times_opens_the_form_from_the_timers_start_and_saving_it_replaces_the_timer(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    app.say("start acme Design long call")  # 16:00 in Berlin
    app.clock.advance(hours=20)
    click(app, choices(app.track("stop")[1])["Other times…"])
    view = opened_view(app)
    start = next(b for b in view["blocks"] if b.get("block_id") == "start_time")["element"]
    assert start["initial_time"] == "16:00"
    with session_scope(app.sessions) as s:
        project_id = s.scalars(select(RunningTimer)).one().project_id
    answer = submit(app, view, state(
        project=selected(project_id), date={"selected_date": "2026-11-17"}, start_time={"selected_time": "16:00"},
        end_time={"selected_time": "18:30"}, description={"value": "long call"},
        billable={"selected_options": [{"value": "billable"}]},
    ))  # fmt: skip
    assert answer["response_action"] == "update", answer
    [entry] = entries(app)
    assert entry.duration_seconds == 150 * 60 and running(app) == []


def test_a_long_timer_stopped_on_the_app_home_shows_the_choices_in_a_modal(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    app.say("start acme Build forgotten")
    app.clock.advance(hours=13)
    status, _ = interact(app, {
        "type": "block_actions", "user": MEMBER, "trigger_id": "t.home", "container": {"type": "view"},
        "view": {"id": "VHOME", "type": "home"}, "actions": [{"action_id": "stop_timer", "type": "button"}],
    })  # fmt: skip
    assert status == 200
    modal = app.fake.wait_for("views.open")[-1].params["view"]
    assert "timer_choice" in json.dumps(modal) and "more than the firm's 12 hours" in json.dumps(modal)
    assert entries(app) == [] and len(running(app)) == 1


def test_the_limit_is_the_firms_setting(firm: None, running_app: RunningApp) -> None:
    from tests.conftest import import_firm

    import_firm(running_app.db, "workspace: {timer_limit_hours: 4}", running_app.clock())
    running_app.say("start acme Build")
    running_app.clock.advance(hours=5)
    assert "more than the firm's 4 hours" in running_app.say("stop")
    running_app.clock.set(running_app.clock() - timedelta(hours=2))
    assert "Saved 3:00" in running_app.say("stop")
