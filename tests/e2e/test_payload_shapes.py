"""Signed requests that are not what Slack sends: every field of the payloads Punchcard
handles removed or given the wrong type, one at a time. Each is answered (a 400 at the
front door, bot.shapes, or the handler's own refusal) and none leaves a traceback or an
error in the log; a command changes the database only when its answer says it did."""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from sqlalchemy import func, select

from bot import metadata
from storage.models import TimeEntry
from tests.conftest import SIGNING_SECRET, RunningApp, session_scope
from tests.signing import FORM, JSON, command_body, post

MEMBER = {"id": "U0MEMBER", "username": "max", "team_id": "T0FAKE"}
DM = {
    "channel": {"id": "DU0MEMBER"},
    "container": {"type": "message", "message_ts": "1.1", "channel_id": "DU0MEMBER"},
}
HOME = {"id": "VHOME", "type": "home"}
RESPONSE_URL = "http://response.url/"  # the fake Slack's response URL, put in when sent
OPTION = {"text": {"type": "plain_text", "text": "x"}, "value": "1"}


def modal(callback_id: str, values: dict[str, Any], data: dict[str, Any] | None = None) -> dict[str, Any]:
    sealed = metadata.seal(data or {"u": "U0MEMBER"}, SIGNING_SECRET)
    return {"id": "V1", "type": "modal", "hash": "h1", "callback_id": callback_id, "private_metadata": sealed,
            "title": {"type": "plain_text", "text": "Log time"}, "state": {"values": values}}  # fmt: skip


ENTRY_VALUES = {
    "project": {"project_select": {"type": "static_select", "selected_option": OPTION}},
    "task": {"task_select": {"type": "static_select", "selected_option": OPTION}},
    "date": {"date_pick": {"type": "datepicker", "selected_date": "2026-11-16"}},
    "duration": {"duration_text": {"type": "plain_text_input", "value": "1h"}},
    "description": {"description_text": {"type": "plain_text_input", "value": "wireframes"}},
}


def click(action_id: str, where: dict[str, Any], **action: Any) -> dict[str, Any]:
    return {"type": "block_actions", "user": MEMBER, "trigger_id": "t.1", **where,
            "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "action_ts": "1.1", **action}]}  # fmt: skip


PAYLOADS: list[dict[str, Any]] = [
    click("approve_all", DM, value="1"),
    click("entry_decision", DM, type="overflow", selected_option={**OPTION, "value": "approve:1:1"}),
    click("start_recent:0", {"view": HOME}, value=json.dumps({"p": 1, "t": 1, "d": "wireframes"})),
    click("entry_menu:1", {"view": HOME}, type="overflow", selected_option={**OPTION, "value": "edit:1"}),
    click("home_page:older", {"view": HOME}, value="1"),
    click(
        "timer_choice:1",
        {"container": {"type": "message", "is_ephemeral": True}},
        value=json.dumps({"t": 1, "a": "end", "at": 1794970800.0}),
    ),  # fmt: skip
    click(
        "forgotten_stop_at",
        DM,
        type="timepicker",
        block_id="forgotten_timer:U0MEMBER:1:2026-11-17T06:00:00+00:00",
        selected_time="15:30",
        initial_time="14:00",
    ),  # fmt: skip
    click(
        "project_select",
        {"view": modal("entry_modal", ENTRY_VALUES)},
        type="static_select",
        selected_option=OPTION,
    ),
    {
        "type": "view_submission",
        "user": MEMBER,
        "trigger_id": "t.1",
        "view": modal("entry_modal", ENTRY_VALUES),
    },
    {
        "type": "view_submission",
        "user": MEMBER,
        "trigger_id": "t.1",
        "view": modal(
            "reject_modal",
            {"reason": {"reason_text": {"type": "plain_text_input", "value": "no"}}},
            {"c": "DU0MEMBER", "s": 1, "u": "U0MEMBER"},
        ),
    },  # fmt: skip
    click("invoice_void", DM, value="1"),
    click("invoice_mark_paid", DM, value="1"),
    click("client_menu", DM, type="overflow", selected_option={**OPTION, "value": "share:1"}),
    click("share_revoke", {"view": {"id": "VLINKS", "type": "modal", "hash": "h1"}}, value="1"),
    click("clients_page:next", {**DM, "response_url": RESPONSE_URL}, value="2"),
    {
        "type": "view_submission",
        "user": MEMBER,
        "trigger_id": "t.1",
        "view": modal(
            "invoice_void_modal",
            {"void_reason": {"void_reason_text": {"type": "plain_text_input", "value": "wrong client"}}},
            {"i": 1, "u": "U0MEMBER"},
        ),
    },
    {
        "type": "view_submission",
        "user": MEMBER,
        "trigger_id": "t.1",
        "view": modal(
            "invoice_modal",
            {
                "invoice_from": {"invoice_from_pick": {"type": "datepicker", "selected_date": "2026-11-01"}},
                "invoice_to": {"invoice_to_pick": {"type": "datepicker", "selected_date": "2026-11-30"}},
                "invoice_options": {
                    "invoice_options_check": {"type": "checkboxes", "selected_options": [OPTION]}
                },
            },
            {"c": 1, "u": "U0MEMBER"},
        ),
    },
    {
        "type": "view_submission",
        "user": MEMBER,
        "trigger_id": "t.1",
        "view": modal(
            "share_modal",
            {
                "share_project": {
                    "share_project_select": {"type": "static_select", "selected_option": OPTION}
                },
                "share_expires": {
                    "share_expires_pick": {"type": "datepicker", "selected_date": "2026-12-31"}
                },
                "share_options": {
                    "share_options_check": {"type": "checkboxes", "selected_options": [OPTION]}
                },
            },
            {"c": 1, "u": "U0MEMBER"},
        ),
    },
    {
        "type": "block_suggestion",
        "user": MEMBER,
        "action_id": "project_select",
        "block_id": "project",
        "value": "acm",
        "view": modal("entry_modal", {}),
    },  # fmt: skip
    {
        "type": "message_action",
        "user": MEMBER,
        "callback_id": "log_from_message",
        "trigger_id": "t.1",
        "channel": {"id": "C0GENERAL"},
        "message": {"ts": "1.1", "text": "the brief"},
    },  # fmt: skip
]
EVENT = {"type": "event_callback", "team_id": "T0FAKE", "event_id": "Ev1",
         "event": {"type": "app_home_opened", "user": "U0MEMBER", "channel": "D0MEMBER", "tab": "home"}}  # fmt: skip
WRONG = ("missing", None, 7, {"x": 1}, ["a"], "zz", "9" * 30)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, inner in items:
        yield (*prefix, key)
        yield from paths(inner, (*prefix, key))


def mutated(value: Any, path: tuple[Any, ...], wrong: Any) -> Any:
    value = copy.deepcopy(value)
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    if wrong == "missing":
        del parent[path[-1]]
    else:
        parent[path[-1]] = wrong
    return value


def variants(response_url: str) -> Iterator[tuple[str, str]]:
    """(content type, body) for every field of every payload, removed or mistyped."""
    for payload in PAYLOADS:
        for path in paths(payload):
            for wrong in WRONG:
                sent = json.dumps(mutated(payload, path, wrong)).replace(RESPONSE_URL, response_url)
                yield FORM, urlencode({"payload": sent})
    for path in paths(EVENT):
        for wrong in WRONG:
            yield JSON, json.dumps(mutated(EVENT, path, wrong))
    command = dict(parse_qsl(command_body("log 1h acme Build"), keep_blank_values=True))
    for field in command:
        yield FORM, urlencode({k: v for k, v in command.items() if k != field})
        yield FORM, urlencode({**command, field: "9" * 30})


def test_a_signed_payload_missing_or_mistyping_any_field_leaves_no_trace(
    firm: None, running_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    url = running_app.url + "/slack/events"
    sent, refused = 0, 0

    def saved() -> int:
        with session_scope(running_app.sessions) as s:
            return int(s.scalar(select(func.count()).select_from(TimeEntry)) or 0)

    with caplog.at_level(logging.INFO):
        for content_type, body in variants(running_app.fake.response_url()):
            command = body.startswith("token=")
            before = saved() if command else 0
            status, _headers, answer = post(url, body, SIGNING_SECRET, content_type=content_type)
            assert status in (200, 400, 404) and b"Traceback" not in answer, body
            if command:  # a command changes the database only when it says so
                assert saved() - before == (b"Logged 1:00" in answer), body
            sent, refused = sent + 1, refused + (status == 400)
        time.sleep(2)  # what the handlers left for after the ack
    troubles = [
        (r.name, r.getMessage()[:160]) for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR
    ]
    assert troubles == []
    assert sent > 1000 and refused > sent // 4
