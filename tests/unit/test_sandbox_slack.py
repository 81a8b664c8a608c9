"""The sandbox's stand-in for Slack: its Web API answers as Slack's does, what it sends is
signed as Slack signs, and a response URL lands where Slack would put it."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from typing import Any

import pytest

from bot.sandbox.interact import Origin, Player
from bot.sandbox.slack import GENERAL, Person, SlackError, Workspace
from bot.sandbox.web_api import call, receive_upload
from bot.signing import is_signed

BASE = "http://127.0.0.1:9"


@pytest.fixture
def ws() -> Workspace:
    found = Workspace("Hale & Partners LLP", BASE, "America/New_York")
    found.people["U0MEMBER"] = Person("U0MEMBER", "Max Member", "member", "Europe/Berlin")
    found.people["U0PARTNER"] = Person("U0PARTNER", "Ada Partner", "partner", "America/New_York")
    return found


def test_a_post_to_a_person_lands_in_their_dm_with_the_bot(ws: Workspace) -> None:
    answer = call(
        ws, "chat.postMessage", {"channel": "U0MEMBER", "text": "hi", "blocks": [{"type": "divider"}]}
    )
    assert answer["ok"] and answer["channel"] == "DU0MEMBER"
    seen = ws.seen_by("U0MEMBER")
    assert [m["text"] for m in seen["messages"]["DU0MEMBER"]] == ["hi"]
    assert "DU0MEMBER" not in ws.seen_by("U0PARTNER")["messages"]  # nobody else's DM is shown


def test_an_ephemeral_message_is_seen_by_its_person_only(ws: Workspace) -> None:
    call(ws, "chat.postEphemeral", {"channel": GENERAL, "user": "U0MEMBER", "text": "just you"})
    mine = ws.seen_by("U0MEMBER")["messages"][GENERAL]
    assert [(m["text"], m["ephemeral"]) for m in mine] == [("just you", True)]
    assert ws.seen_by("U0PARTNER")["messages"][GENERAL] == []
    with pytest.raises(SlackError, match="user_not_in_channel"):
        call(ws, "chat.postEphemeral", {"channel": GENERAL, "user": "U0NOBODY", "text": "x"})


def test_modals_open_only_with_a_fresh_trigger_and_stack_up_to_three(ws: Workspace) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Log time"}, "blocks": []}
    with pytest.raises(SlackError, match="invalid_trigger_id"):
        call(ws, "views.open", {"trigger_id": "made-up", "view": view})
    opened = call(ws, "views.open", {"trigger_id": ws.trigger("U0MEMBER"), "view": view})["view"]
    for _ in range(2):
        call(ws, "views.push", {"trigger_id": ws.trigger("U0MEMBER"), "view": view})
    with pytest.raises(SlackError, match="push_limit_reached"):
        call(ws, "views.push", {"trigger_id": ws.trigger("U0MEMBER"), "view": view})
    updated = {**view, "title": {"type": "plain_text", "text": "Logged"}}
    call(ws, "views.update", {"view_id": opened["id"], "view": updated})
    stack = ws.seen_by("U0MEMBER")["modals"]
    assert len(stack) == 3 and stack[0]["title"]["text"] == "Logged" and stack[0]["id"] == opened["id"]
    with pytest.raises(SlackError, match="hash_conflict"):
        call(ws, "views.update", {"view_id": opened["id"], "view": view, "hash": "stale"})


def test_a_file_is_uploaded_in_three_steps_and_shared_in_its_channel(ws: Workspace) -> None:
    pdf = b"%PDF-1.7 invoice"
    step = call(ws, "files.getUploadURLExternal", {"filename": "INV-2026-0001.pdf", "length": str(len(pdf))})
    assert step["upload_url"] == f"{BASE}/upload/{step['file_id']}"
    assert receive_upload(ws, step["file_id"], pdf)
    done = call(ws, "files.completeUploadExternal", {"files": json.dumps([{"id": step["file_id"], "title": "Invoice"}]),
                                                     "channel_id": "C0BILLING"})  # fmt: skip
    shared = ws.seen_by("U0PARTNER")["messages"]["C0BILLING"][0]["files"][0]
    assert shared == done["files"][0]
    assert shared["mimetype"] == "application/pdf" and shared["url"].endswith("/INV-2026-0001.pdf")
    assert ws.files[step["file_id"]].content == pdf
    with pytest.raises(SlackError, match="file_not_found"):
        call(ws, "files.completeUploadExternal", {"files": [{"id": "F404"}]})


def test_unknown_methods_and_people_are_refused_as_slack_refuses_them(ws: Workspace) -> None:
    with pytest.raises(SlackError, match="unknown_method"):
        call(ws, "admin.everything", {})
    with pytest.raises(SlackError, match="user_not_found"):
        call(ws, "users.info", {"user": "U0NOBODY"})
    assert call(ws, "users.info", {"user": "U0MEMBER"})["user"]["tz"] == "Europe/Berlin"


class Recorder(Player):
    """A player whose requests are kept instead of sent."""

    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws, "http://127.0.0.1:9/slack/events", "s3cret")
        self.sent: list[tuple[bytes, dict[str, str]]] = []

    def send(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        self.sent.append(
            (body, {"content-type": content_type, **{k.lower(): v for k, v in self.sign(body).items()}})
        )
        return 200, b'{"text": "Timer running"}'


def test_what_it_sends_is_signed_as_slack_signs_and_the_ack_is_shown_to_its_sender(ws: Workspace) -> None:
    player = Recorder(ws)
    player.command("U0MEMBER", GENERAL, "/track start ACME-WEB")
    body, headers = player.sent[0]
    assert is_signed(b"s3cret", body, headers, now=time.time())
    assert not is_signed(b"other", body, headers, now=time.time())
    form = dict(urllib.parse.parse_qsl(body.decode()))
    assert (form["command"], form["text"], form["user_id"], form["channel_id"]) == (
        "/track", "start ACME-WEB", "U0MEMBER", GENERAL)  # fmt: skip
    assert form["response_url"].startswith(BASE + "/respond/") and form["trigger_id"] in ws.triggers
    shown = ws.seen_by("U0MEMBER")["messages"][GENERAL]
    assert [(m["text"], m["ephemeral"]) for m in shown] == [("Timer running", True)]


def test_a_response_url_replaces_or_adds_to_the_message_it_came_from(ws: Workspace) -> None:
    player = Recorder(ws)
    message = call(ws, "chat.postMessage", {"channel": "U0PARTNER", "text": "Approve Max's week?"})
    token = player.response_url(Origin("U0PARTNER", "DU0PARTNER", message["ts"])).rsplit("/", 1)[1]
    assert player.respond(token, {"replace_original": True, "text": "Approved"})
    assert [m["text"] for m in ws.seen_by("U0PARTNER")["messages"]["DU0PARTNER"]] == ["Approved"]
    assert player.respond(token, {"text": "Thanks"})  # not replacing: a new ephemeral one
    dm = ws.seen_by("U0PARTNER")["messages"]["DU0PARTNER"]
    assert [(m["text"], m["ephemeral"]) for m in dm] == [("Approved", False), ("Thanks", True)]
    assert not player.respond("never-handed-out", {"text": "x"})


def test_the_page_server_answers_the_web_api_only_with_the_token(ws: Workspace) -> None:
    import socket
    import threading

    from bot.sandbox.server import Sandbox

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    ws.base_url = f"http://127.0.0.1:{port}"
    server = Sandbox(listener, ws, Recorder(ws), token="xoxb-t", jobs=[], fire=lambda n, a: f"{n} {a}")
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def post(path: str, data: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        }
        request = urllib.request.Request(ws.base_url + path, json.dumps(data).encode(), headers)
        with urllib.request.urlopen(request, timeout=5) as answer:
            return dict(json.load(answer))

    try:
        assert post("/api/auth.test", {}) == {"ok": False, "error": "invalid_auth"}
        assert post("/api/auth.test", {}, "xoxb-t")["user_id"] == "U0PUNCHCARD"
        post("/api/chat.postMessage", {"channel": GENERAL, "text": "hello"}, "xoxb-t")
        with urllib.request.urlopen(ws.base_url + "/sandbox/state?user=U0MEMBER", timeout=5) as answer:
            state = json.load(answer)
        assert [m["text"] for m in state["messages"][GENERAL]] == ["hello"]
        assert post("/sandbox/job", {"name": "missing-hours", "at": "2026-12-08T09:30"}) == {
            "ok": True, "said": "missing-hours 2026-12-08T09:30"}  # fmt: skip
        assert (
            post("/sandbox/command", {"user": "U0NOBODY", "channel": GENERAL, "text": "/track"})["ok"]
            is False
        )
    finally:
        server.shutdown()
        server.server_close()


def test_conversations_home_tabs_and_files_outlive_a_restart(ws: Workspace) -> None:
    call(ws, "chat.postMessage", {"channel": "U0MEMBER", "text": "kept"})
    call(ws, "views.publish", {"user_id": "U0MEMBER", "view": {"type": "home", "blocks": []}})
    step = call(ws, "files.getUploadURLExternal", {"filename": "r.png", "length": "3"})
    receive_upload(ws, step["file_id"], b"png")
    again = Workspace("Hale & Partners LLP", BASE)
    again.people.update(ws.people)
    again.load(json.loads(json.dumps(ws.dump())))
    seen = again.seen_by("U0MEMBER")
    assert [m["text"] for m in seen["messages"]["DU0MEMBER"]] == ["kept"] and seen["home"] is not None
    assert again.files[step["file_id"]].content == b"png"
    assert again.next_id("F") not in ws.files  # new ids do not reuse old ones
