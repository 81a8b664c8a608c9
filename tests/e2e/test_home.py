"""The App Home: published on open and after every change; one click restarts recent work."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from storage.models import RunningTimer
from tests.conftest import RunningApp, interact, send_event, session_scope

USER = {"id": "U0MEMBER", "username": "max", "team_id": "T0FAKE"}


def published(app: RunningApp, count: int) -> dict[str, Any]:
    call = app.fake.wait_for("views.publish", count=count)[-1]
    assert call.params["user_id"] == "U0MEMBER"
    return call.params["view"]


def published_until(app: RunningApp, check: Any, timeout: float = 5.0) -> dict[str, Any]:
    """The Home tab is republished shortly after changes, once per burst: wait for the
    publish that shows what the test expects."""
    deadline = time.monotonic() + timeout
    while True:
        calls = app.fake.calls_to("views.publish")
        if calls and check(calls[-1].params["view"]):
            return calls[-1].params["view"]
        assert time.monotonic() < deadline, f"no matching publish in {len(calls)} publishes"
        time.sleep(0.02)


def action_ids(view: dict[str, Any]) -> list[str]:
    found = []
    for block in view["blocks"]:
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if "action_id" in element:
                found.append(element["action_id"])
    return found


def test_home_is_published_on_open(firm: None, running_app: RunningApp) -> None:
    status = send_event(
        running_app, {"type": "app_home_opened", "user": "U0MEMBER", "channel": "D0MEMBER", "tab": "home"}
    )
    assert status == 200
    view = published(running_app, 1)
    assert view["type"] == "home"
    assert "No timer running." in json.dumps(view)
    assert {"open_entry_modal", "open_start_modal"} <= set(action_ids(view))


def test_home_follows_every_change(firm: None, running_app: RunningApp) -> None:
    running_app.say("start acme Design wireframes")
    view = published(running_app, 1)
    assert "stop_timer" in action_ids(view) and "wireframes" in json.dumps(view)
    running_app.clock.advance(minutes=30)
    running_app.say("stop")
    view = published_until(running_app, lambda v: "stop_timer" not in action_ids(v))
    assert "0:30" in json.dumps(view) and any(a.startswith("entry_menu:") for a in action_ids(view))


def test_one_click_from_home_starts_recent_work(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.say("log 1h acme Design wireframes")
    view = published(app, 1)
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["action_id"].startswith("start_recent")]  # fmt: skip
    assert [b["text"]["text"] for b in buttons] == ["ACME-WEB › Design"]
    started = time.monotonic()
    status, _ = interact(app, {
        "type": "block_actions", "user": USER, "trigger_id": "t.home", "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home"},
        "actions": [{**buttons[0], "block_id": "recent", "action_ts": "1"}],
    })  # fmt: skip
    assert status == 200
    # One click: the timer is running, on the same project, task and description.
    deadline = time.monotonic() + 5
    while True:
        with session_scope(app.sessions) as s:
            timer = s.scalars(select(RunningTimer)).one_or_none()
        if timer is not None or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert timer is not None and timer.description == "wireframes" and timer.origin == "home"
    print(f"one click: timer running {1000 * (time.monotonic() - started):.0f} ms after the click")
    published_until(app, lambda v: "stop_timer" in action_ids(v))


def test_stop_from_home(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.say("start acme Build footer")
    app.clock.advance(minutes=12)
    status, _ = interact(app, {
        "type": "block_actions", "user": USER, "trigger_id": "t.stop", "view": {"id": "VHOME", "type": "home"},
        "actions": [{"action_id": "stop_timer", "block_id": "b", "type": "button"}],
    })  # fmt: skip
    assert status == 200
    view = published_until(app, lambda v: "stop_timer" not in action_ids(v))
    assert "0:12" in json.dumps(view)


def test_a_stop_click_by_someone_else_stops_only_their_own_timer(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.say("start acme Build mine")
    other = {"id": "U0PARTNER", "username": "ada", "team_id": "T0FAKE"}
    interact(app, {
        "type": "block_actions", "user": other, "trigger_id": "t.x", "view": {"id": "VHOME", "type": "home"},
        "actions": [{"action_id": "stop_timer", "block_id": "b", "type": "button"}],
    })  # fmt: skip
    refusal = app.fake.wait_for("views.open")[-1].params["view"]
    assert "No timer is running" in json.dumps(refusal)
    with session_scope(app.sessions) as s:
        assert s.scalars(select(RunningTimer)).one().description == "mine"


def test_someone_new_opening_home_sees_the_welcome_and_is_not_registered(
    firm: None, running_app: RunningApp
) -> None:
    from tests import orm as queries

    send_event(running_app, {"type": "app_home_opened", "user": "U0STRANGER", "channel": "D1", "tab": "home"})
    view = running_app.fake.wait_for("views.publish")[-1].params["view"]
    assert "Track billable time without leaving Slack" in json.dumps(view)
    with session_scope(running_app.sessions) as s:
        assert queries.person_by_slack_id(s, "U0STRANGER") is None


def test_paging_buttons_publish_the_page_asked_for(firm: None, running_app: RunningApp) -> None:
    status, _ = interact(running_app, {
        "type": "block_actions", "user": USER, "trigger_id": "t.page", "view": {"id": "VHOME", "type": "home"},
        "actions": [{"action_id": "home_page:older", "block_id": "nav", "type": "button", "value": "1"}],
    })  # fmt: skip
    assert status == 200
    assert published(running_app, 1)["type"] == "home"
