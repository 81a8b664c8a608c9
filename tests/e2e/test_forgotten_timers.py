"""A forgotten timer gets one DM: Stop now, Stop at… (a time picker), Keep running. The
choice is its owner's, about that very timer, and the DM says what happened, in place."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from bot.scheduler import JOBS, run_job
from storage.db import Database
from storage.models import OutboxMessage, RunningTimer, TimeEntry
from tests.conftest import Clock, RunningApp, interact, session_scope
from tests.processes import PUNCHCARD, environment
from tests.unit.test_timers import run

MEMBER = {"id": "U0MEMBER", "username": "max", "team_id": "T0FAKE"}
PARTNER = {"id": "U0PARTNER", "username": "ada", "team_id": "T0FAKE"}
MORNING = datetime(2026, 11, 17, 6, 0, tzinfo=UTC)  # 07:00 on Tuesday in Berlin, where Max works


def entries(app: RunningApp) -> list[TimeEntry]:
    with session_scope(app.sessions) as s:
        return list(s.scalars(select(TimeEntry).order_by(TimeEntry.id)))


def running(app: RunningApp) -> list[RunningTimer]:
    with session_scope(app.sessions) as s:
        return list(s.scalars(select(RunningTimer)))


def key_of(message: dict[str, Any]) -> str:
    return str((message.get("metadata") or {}).get("event_payload", {}).get("key", ""))


def dms(app: RunningApp) -> list[dict[str, Any]]:
    """The forgotten-timer DMs posted, as they are now (updated in place or not)."""
    return [m for m in app.fake.posted("DU0MEMBER") if key_of(m).startswith("forgotten-timer:")]


def nudged(app: RunningApp, count: int = 1) -> dict[str, Any]:
    """Run the job now and wait for the DM it queued."""
    ran = run_job(app.db, JOBS["forgotten-timers"], now=app.clock(), manual=True)
    assert ran is not None and len(ran.result) == 1
    app.fake.wait_for("chat.postMessage", count=count)
    return dms(app)[-1]


def controls(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    [actions] = [b for b in message.get("blocks", []) if b["type"] == "actions"]
    return actions["block_id"], actions["elements"]


def choose(
    app: RunningApp, message: dict[str, Any], action_id: str, *, user: dict[str, Any] = MEMBER, **chosen: Any
) -> None:
    block_id, elements = controls(message)
    [element] = [e for e in elements if e["action_id"] == action_id]
    where = {"type": "message", "message_ts": message["ts"], "channel_id": "DU0MEMBER"}
    status, _ = interact(app, {
        "type": "block_actions", "user": user, "response_url": app.fake.response_url(),
        "channel": {"id": "DU0MEMBER"}, "container": where, "message": {"ts": message["ts"], "text": message["text"]},
        "actions": [{"action_id": action_id, "block_id": block_id, "type": element["type"], **chosen}],
    })  # fmt: skip
    assert status == 200


def updated(app: RunningApp, count: int = 1) -> dict[str, Any]:
    """The DM once it was updated in place ``count`` times."""
    app.fake.wait_for("chat.update", count=count)
    return dms(app)[-1]


def start_in_the_morning(app: RunningApp) -> None:
    app.clock.set(MORNING)
    app.say("start acme Build forgotten")
    app.clock.advance(hours=10, minutes=5)  # 17:05 in Berlin


def test_the_dm_has_three_choices_and_stop_at_saves_until_the_chosen_time(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    start_in_the_morning(app)
    dm = nudged(app)
    assert "started Tue 07:00, has run more than 10 hours" in dm["text"]
    _block, elements = controls(dm)
    assert [(e["type"], (e.get("text") or e["placeholder"])["text"]) for e in elements] == [
        ("button", "Stop now"), ("timepicker", "Stop at…"), ("button", "Keep running"),
    ]  # fmt: skip
    assert elements[1]["initial_time"] == "15:00"  # start + 8 h
    assert run_job(app.db, JOBS["forgotten-timers"], now=app.clock(), manual=True).result == []  # type: ignore[union-attr]
    choose(app, dm, "forgotten_stop_at", selected_time="17:30")  # not 17:30 yet: said, nothing saved
    again = updated(app)
    assert "hasn't been 17:30 yet" in again["text"] and controls(again)[1] and entries(app) == []
    choose(app, again, "forgotten_stop_at", selected_time="15:30")
    done = updated(app, 2)
    assert "Saved 8:30" in done["text"] and not [b for b in done["blocks"] if b["type"] == "actions"]
    [entry] = entries(app)
    assert entry.duration_seconds == 8.5 * 3600 and str(entry.date) == "2026-11-17"
    assert entry.started_at == MORNING and entry.ended_at == MORNING + timedelta(hours=8, minutes=30)
    assert running(app) == [] and len(dms(app)) == 1 and len(app.fake.calls_to("chat.postMessage")) == 1


def test_keep_running_leaves_the_timer_and_asks_no_more(firm: None, running_app: RunningApp) -> None:
    app = running_app
    start_in_the_morning(app)
    dm = nudged(app)
    choose(app, dm, "forgotten_keep")
    assert "keeps running. I won't ask about it again" in updated(app)["text"]
    assert len(running(app)) == 1 and entries(app) == []
    for hours in (1, 8):  # later ticks, past midnight too
        app.clock.advance(hours=hours)
        assert run_job(app.db, JOBS["forgotten-timers"], now=app.clock(), manual=True).result == []  # type: ignore[union-attr]
    with session_scope(app.sessions) as s:
        assert len(s.scalars(select(OutboxMessage)).all()) == 1


def test_stop_now_saves_the_timer_until_now(firm: None, running_app: RunningApp) -> None:
    app = running_app
    start_in_the_morning(app)
    choose(app, nudged(app), "forgotten_stop_now")
    assert "Saved 10:05" in updated(app)["text"]
    [entry] = entries(app)
    assert entry.duration_seconds == (10 * 60 + 5) * 60 and running(app) == []


def test_stop_now_past_the_firms_limit_shows_the_timers_choices(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.say("start acme Build forgotten")  # 16:00 in Berlin
    app.clock.advance(hours=13)
    dm = nudged(app)
    assert "is still running into a new day" in dm["text"]
    choose(app, dm, "forgotten_stop_now")
    offered = updated(app)
    assert "more than the firm's 12 hours, so it was not saved" in offered["text"]
    buttons = {
        e["text"]["text"]: e for b in offered["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert "Save 8:00 (until Wed 00:00)" in buttons and entries(app) == [] and len(running(app)) == 1
    button = buttons["Save 8:00 (until Wed 00:00)"]
    status, _ = interact(app, {
        "type": "block_actions", "user": MEMBER, "response_url": app.fake.response_url(),
        "channel": {"id": "DU0MEMBER"}, "container": {"type": "message", "message_ts": dm["ts"]},
        "actions": [{"action_id": button["action_id"], "block_id": "timer_choices", "type": "button",
                     "value": button["value"]}],
    })  # fmt: skip
    assert status == 200
    assert "Saved 8:00" in app.fake.wait_for("response_url")[-1].params["text"]
    [entry] = entries(app)
    assert entry.duration_seconds == 8 * 3600 and str(entry.date) == "2026-11-17"


def test_someone_elses_click_and_a_restarted_timers_old_dm_change_nothing(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    start_in_the_morning(app)
    dm = nudged(app)
    choose(app, dm, "forgotten_stop_now", user=PARTNER)
    [answer] = app.fake.wait_for("response_url")
    assert "no longer running, so nothing was changed" in answer.params["text"]
    assert answer.params["replace_original"] is False and app.fake.calls_to("chat.update") == []
    assert entries(app) == [] and len(running(app)) == 1 and dms(app)[-1]["text"] == dm["text"]
    app.say("stop")
    app.say("start acme Build the next thing")  # on SQLite it may well get the same id
    choose(app, dm, "forgotten_stop_now")
    assert "no longer running, so nothing was changed" in updated(app)["text"]
    assert len(entries(app)) == 1 and len(running(app)) == 1


def test_a_rate_limited_dm_is_retried_and_arrives_once(firm: None, running_app: RunningApp) -> None:
    app = running_app
    start_in_the_morning(app)
    app.fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    ran = run_job(app.db, JOBS["forgotten-timers"], now=app.clock(), manual=True)
    assert ran is not None and len(ran.result) == 1
    calls = app.fake.wait_for("chat.postMessage", count=2, timeout=10)
    assert calls[0].rate_limited and len(dms(app)) == 1


def test_jobs_run_forgotten_timers_delivers_the_dm(
    firm: None, db: Database, engine: Engine, fake_slack: Any, clock: Clock, tmp_path: Path
) -> None:
    run(db, "start acme-web Build forgotten", MORNING)
    at = (MORNING + timedelta(hours=10, minutes=5)).isoformat()
    env = environment(fake_slack, engine.url.render_as_string(hide_password=False))
    done = subprocess.run([*PUNCHCARD, "jobs", "run", "forgotten-timers", "--at", at], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    [dm] = [m for m in fake_slack.posted("DU0MEMBER") if key_of(m).startswith("forgotten-timer:U0MEMBER:")]
    assert "has run more than 10 hours" in dm["text"]
    again = subprocess.run([*PUNCHCARD, "jobs", "run", "forgotten-timers", "--at", at], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert again.returncode == 0 and len(fake_slack.calls_to("chat.postMessage")) == 1
