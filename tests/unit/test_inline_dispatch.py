"""Which requests bot.web may answer on the event loop: the cheap ones, named in a list."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bot.listeners.commands import COMMAND, INLINE_SUBCOMMANDS
from bot.web import command_is, form_field, inline_when, slash_command
from tests.signing import command_body


def test_only_the_subcommands_measured_as_cheap_are_answered_on_the_loop() -> None:
    check = inline_when(COMMAND, INLINE_SUBCOMMANDS)
    for text in ("start acme", "stop", "status", "log 1h acme x", "week", "", "discard"):
        assert check(command_body(text, user_id="U0NEW")), text
    for text in ("submit", "approvals", "reopen 4 why", "rate last", "audit last", "edit last", "new"):
        assert not check(command_body(text, user_id="U0NEW")), text


def test_a_first_request_from_someone_new_needs_no_wait_either() -> None:
    # They are registered from the request itself; their profile is read after the ack.
    assert inline_when(COMMAND, INLINE_SUBCOMMANDS)(command_body("start acme", user_id="U0NEVERSEEN"))


def test_fields_are_read_as_fields_not_found_in_the_text() -> None:
    # The text is urlencoded, so a "&command=" typed into it cannot pass for the field.
    body = command_body("submit &command=/track&text=start", user_id="U0OTHER")
    assert slash_command(body) == ("/track", "submit")
    first = urlencode({"user_id": "U0KNOWN", "command": "/track", "text": "STATUS now"})
    assert slash_command(first) == ("/track", "status") and form_field(first, "user_id") == "U0KNOWN"


def test_clicks_and_events_are_answered_on_the_loop_but_never_group_committed() -> None:
    inline, group = inline_when(COMMAND, INLINE_SUBCOMMANDS), command_is(COMMAND, INLINE_SUBCOMMANDS)
    click = urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "U0NEW"}})})
    event = json.dumps({"type": "event_callback", "event": {"type": "app_home_opened"}})
    assert inline(click) and inline(event) and not group(click) and not group(event)
    assert group(command_body("stop", user_id="U1")) and not group(command_body("submit", user_id="U1"))
