"""Missing-hours nudges end to end: ``punchcard jobs run missing-hours`` against the fake
Slack (once, exactly the people short, 429s retried, two processes racing), and the nudge's
buttons driven as Slack drives them, the DM redrawn in place as days are filled."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.scheduler import JOBS, run_job
from bot.services import people
from storage.db import Database, make_engine
from storage.migrate import upgrade
from tests.conftest import FIRM_YAML, RunningApp, import_firm, interact
from tests.processes import PUNCHCARD, environment
from tests.unit.test_missing_hours import FIRM, IMPORTED, TUESDAY_0930_NY, log

USER = {"id": "U0MEMBER", "username": "max", "team_id": "T0FAKE"}


def nudges(fake: Any) -> dict[str, list[str]]:
    """DM channel -> the outbox keys of the missing-hours nudges posted there."""
    found: dict[str, list[str]] = {}
    for channel, messages in fake.history.items():
        for m in messages:
            key = (m.get("metadata") or {}).get("event_payload", {}).get("key", "")
            if key.startswith("missing-hours:"):
                found.setdefault(channel, []).append(key)
    return found


def prepared(url: str, *, extra_short: int = 0) -> Database:
    """The unit tests' firm (plus ``extra_short`` people short on Monday) with its entries."""
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine)
    more = "".join(
        f"  - {{slack_id: U0X{i:04d}, name: Extra {i}, timezone: America/New_York}}\n"
        for i in range(extra_short)
    )
    import_firm(db, FIRM.replace("clients:", more + "clients:", 1), IMPORTED)
    for who in (
        "U0SHORT",
        "U0FULL",
        "U0TUEFRI",
        "U0OFF",
        "U0BRIT",
        *(f"U0X{i:04d}" for i in range(extra_short)),
    ):
        for offset in range(12):
            if (day := date(2026, 11, 16) + timedelta(days=offset)).weekday() < 5:
                log(db, who, day, 8)
    log(db, "U0SHORT", date(2026, 11, 30), 3)
    log(db, "U0FULL", date(2026, 11, 30), 8)
    log(db, "U0BRIT", date(2026, 11, 30), 2)
    with db.transaction() as conn:  # Olga logged nothing, and turned reminders off
        olga = people.get_or_register(conn, "U0OPTOUT", now=IMPORTED)
        people.set_reminders(conn, olga, on=False, minutes=None, now=IMPORTED)
    return db


def jobs_run(env: dict[str, str], cwd: Path, at: datetime) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PUNCHCARD, "jobs", "run", "missing-hours", "--at", at.isoformat()], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_jobs_run_nudges_exactly_those_short_once_and_retries_a_429(
    fake_slack: Any, empty_database_url: str, tmp_path: Path
) -> None:
    db = prepared(empty_database_url)
    db.engine.dispose()
    env = environment(fake_slack, empty_database_url)
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    done = jobs_run(env, tmp_path, TUESDAY_0930_NY)
    assert done.returncode == 0, done.stderr
    # Not Fay (full), Tess (no Monday: Friday was full), Otto (off on Monday), Olga (logged
    # nothing, but turned reminders off).
    assert nudges(fake_slack) == {
        "DU0BRIT": ["missing-hours:U0BRIT:2026-12-01"],
        "DU0SHORT": ["missing-hours:U0SHORT:2026-12-01"],
    }
    assert len(fake_slack.calls_to("chat.postMessage")) == 3  # the 429, and two nudges
    [sam] = [m for m in fake_slack.posted("DU0SHORT")]
    assert "3:00 of 8:00" in json.dumps(sam["blocks"])

    again = jobs_run(env, tmp_path, TUESDAY_0930_NY + timedelta(minutes=10))
    assert again.returncode == 0, again.stderr
    assert sorted(nudges(fake_slack)) == ["DU0BRIT", "DU0SHORT"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 3


def test_two_concurrent_jobs_runs_send_each_nudge_once(
    fake_slack: Any, empty_database_url: str, tmp_path: Path
) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("several processes share a database on PostgreSQL")
    db = prepared(empty_database_url, extra_short=40)
    from sqlalchemy import text

    with db.transaction() as conn:  # the extra people logged nothing on Monday
        conn.execute(text("DELETE FROM time_entries WHERE date = '2026-11-30' AND person_id IN "
                          "(SELECT id FROM people WHERE slack_id LIKE 'U0X%')"))  # fmt: skip
    db.engine.dispose()
    env = environment(fake_slack, empty_database_url)
    command = [*PUNCHCARD, "jobs", "run", "missing-hours", "--at", TUESDAY_0930_NY.isoformat()]
    procs = [subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]  # fmt: skip
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    found = nudges(fake_slack)
    assert len(found) == 42  # Sam, Bea and the forty
    assert all(len(keys) == 1 for keys in found.values()), found


def _button(message: dict[str, Any], prefix: str) -> dict[str, Any]:
    for block in message["blocks"]:
        for element in [block.get("accessory") or {}, *block.get("elements", [])]:
            if str(element.get("action_id", "")).startswith(prefix):
                return {**element, "block_id": block.get("block_id", "b")}
    raise AssertionError(f"no {prefix} button in {message}")


def _click(app: RunningApp, user: dict[str, Any], message: dict[str, Any], prefix: str) -> str:
    button = _button(message, prefix)
    url = app.fake.response_url()
    status, _ = interact(app, {
        "type": "block_actions", "user": user, "response_url": url,
        "container": {"type": "message", "channel_id": message["channel"], "message_ts": message["ts"]},
        "channel": {"id": message["channel"]}, "message": message,
        "actions": [{"action_id": button["action_id"], "block_id": button["block_id"], "type": "button",
                     "value": button["value"]}],
    })  # fmt: skip
    assert status == 200
    return url


def _nudge(app: RunningApp, channel: str) -> dict[str, Any]:
    """The latest nudge posted in ``channel`` (waiting for the sender a little)."""
    _nudge_count(app, channel, 1)
    found = [m for m in app.fake.posted(channel) if "missing-hours:" in json.dumps(m.get("metadata"))]
    assert found, f"no nudge in {channel}: {app.fake.posted()}"
    return {**found[-1], "channel": channel}


def _updated(app: RunningApp, channel: str, ts: str, needle: str) -> dict[str, Any]:
    import time

    from sqlalchemy import text

    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        for call in app.fake.calls_to("chat.update"):
            if (
                call.params.get("channel") == channel
                and call.params.get("ts") == ts
                and needle in json.dumps(call.params)
            ):
                return call.params
        time.sleep(0.05)
    with app.db.transaction(read_only=True) as conn:
        rows = list(conn.execute(text("SELECT key, status, last_error FROM outbox")))
        positions = list(conn.execute(text("SELECT * FROM event_positions")))
    raise AssertionError(
        f"outbox {rows}, positions {positions}: no update of {channel}/{ts} with {needle!r}: {[c.params for c in app.fake.calls_to('chat.update')]}"
    )


def test_log_time_opens_the_form_on_the_missing_day_and_the_saved_entry_updates_the_nudge(
    running_app: RunningApp,
) -> None:
    app = running_app  # Tuesday Nov 17, 2026, 16:00 in Berlin
    import_firm(app.db, FIRM_YAML, app.clock() - timedelta(days=3))
    app.say("log 2h acme Build footer on yesterday")
    run_job(app.db, JOBS["missing-hours"], now=app.clock(), manual=True)
    nudge = _nudge(app, "DU0MEMBER")
    assert "2:00 of 8:00" in json.dumps(nudge["blocks"]) and "Monday, Nov 16" in json.dumps(nudge["blocks"])

    _click(app, USER, nudge, "missing_hours_log")
    view = app.fake.wait_for("views.open")[-1].params["view"]
    date_block = next(b for b in view["blocks"] if b.get("block_id") == "date")
    assert date_block["element"]["initial_date"] == "2026-11-16"

    from tests.e2e.test_modals import selected, state, submit

    with app.db.transaction(read_only=True) as conn:
        project = conn.exec_driver_sql("SELECT id FROM projects WHERE code='ACME-WEB'").scalar_one()
    answer = submit(app, {**view, "id": "V1", "hash": "h1"}, state(
        project=selected(project), date={"selected_date": "2026-11-16"}, duration={"value": "6h"},
        description={"value": "the rest of the footer"},
    ))  # fmt: skip
    assert answer.get("response_action") == "update", answer
    updated = _updated(app, nudge["channel"], nudge["ts"], "All caught up")
    assert "8:00 of 8:00" in json.dumps(updated["blocks"])
    assert "missing_hours_log" not in json.dumps(updated["blocks"])


def test_i_was_off_records_the_day_and_snooze_brings_the_nudge_back_in_two_hours(
    running_app: RunningApp,
) -> None:
    app = running_app
    import_firm(app.db, FIRM_YAML, app.clock() - timedelta(days=3))
    partner = {"id": "U0PARTNER", "username": "ada", "team_id": "T0FAKE"}
    run_job(app.db, JOBS["missing-hours"], now=app.clock(), manual=True)
    nudge = _nudge(app, "DU0PARTNER")
    _click(app, partner, nudge, "missing_hours_off")
    updated = _updated(app, nudge["channel"], nudge["ts"], "marked off")
    assert "All caught up" in json.dumps(updated)
    with app.db.transaction(read_only=True) as conn:
        [off] = conn.exec_driver_sql(
            "SELECT t.date FROM time_off t JOIN people p ON p.id = t.person_id WHERE p.slack_id = 'U0PARTNER'"
        ).fetchall()
    assert str(off[0]) == "2026-11-16"

    member = _nudge(app, "DU0MEMBER")  # nothing logged on Monday: nudged as well
    url = _click(app, USER, member, "missing_hours_snooze")
    replaced = [
        c.params for c in app.fake.wait_for("response_url") if c.path.endswith(url.rsplit("/", 1)[-1])
    ]
    assert replaced and "Snoozed" in replaced[-1]["text"] and replaced[-1]["replace_original"] is True
    posts = len(app.fake.calls_to("chat.postMessage"))
    app.clock.advance(hours=2, minutes=1)
    again = _nudge_count(app, "DU0MEMBER", 2)
    assert again == 2 and len(app.fake.calls_to("chat.postMessage")) == posts + 1


def _nudge_count(app: RunningApp, channel: str, count: int) -> int:
    import time

    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        found = [m for m in app.fake.posted(channel) if "missing-hours:" in json.dumps(m.get("metadata"))]
        if len(found) >= count:
            return len(found)
        time.sleep(0.05)
    return len([m for m in app.fake.posted(channel) if "missing-hours:" in json.dumps(m.get("metadata"))])


def test_track_off_and_reminders_answer_in_the_ack_and_refuse_bad_input_clearly(
    running_app: RunningApp,
) -> None:
    app = running_app  # Tuesday Nov 17, 2026; Max is in Berlin
    import_firm(app.db, FIRM_YAML, app.clock() - timedelta(days=3))
    answer = app.say("off friday dentist")
    assert "Fri Nov 20, 2026: off (dentist). 1 working day in it." in answer
    assert "4:00 of the day" in app.say("off 2026-11-23 4h school run")
    assert "Dec 24, 2026 – Sat Jan 2, 2027" in app.say("off dec 24 to jan 2 holidays")
    listed = app.say("off")
    assert "Fri Nov 20, 2026 — dentist" in listed and "Mon Nov 23, 2026: 4:00 off — school run" in listed
    assert "Cancelled 1 day off" in app.say("off cancel friday")
    assert "`banana` is not a day" in app.say("off banana")
    assert "is before" in app.say("off 2026-11-20..2026-11-10")
    assert "at 17:30 (Europe/Berlin)" in app.say("reminders at 17:30")
    assert "reminders are off" in app.say("reminders off")
    assert "not a time of day" in app.say("reminders at 25:61")
    with app.db.transaction(read_only=True) as conn:
        rows = conn.exec_driver_sql(
            "SELECT reminders, reminder_minutes FROM people WHERE slack_id = 'U0MEMBER'"
        ).all()
    assert [(bool(r), m) for r, m in rows] == [(False, 17 * 60 + 30)]
