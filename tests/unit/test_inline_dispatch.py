"""Which requests bot.web may answer on the event loop: those that wait on nothing."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bot.context import Deps
from bot.listeners.commands import answers_without_waiting
from tests.signing import command_body


def _deps() -> Deps:
    return Deps(sessions=None, secret="s")  # type: ignore[arg-type]


def test_track_from_someone_not_yet_seen_waits_on_users_info() -> None:
    deps = _deps()
    check = answers_without_waiting(deps)
    assert check(command_body("start acme", user_id="U0NEW")) is False
    deps.known_people.add("U0NEW")
    assert check(command_body("start acme", user_id="U0NEW")) is True
    deps.close()


def test_user_id_is_read_as_a_field_not_found_in_the_text() -> None:
    deps = _deps()
    deps.known_people.add("U0KNOWN")
    check = answers_without_waiting(deps)
    # The text is urlencoded, so a "&user_id=" typed into it cannot pass for the field.
    assert check(command_body("log 1h acme &user_id=U0KNOWN", user_id="U0OTHER")) is False
    first = urlencode({"user_id": "U0KNOWN", "command": "/track", "text": "status"})
    assert check(first) is True
    deps.close()


def test_clicks_and_events_never_wait_before_the_ack() -> None:
    deps = _deps()
    check = answers_without_waiting(deps)
    assert check(urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "U0NEW"}})}))
    assert check(json.dumps({"type": "event_callback", "event": {"type": "app_home_opened"}}))
    deps.close()
