"""What Slack sends an app, played for the page: slash commands, clicks, modal submissions,
type-ahead, shortcuts and the Home tab's event, built as Slack builds them, signed with the
app's signing secret exactly as Slack signs them (``v0:<timestamp>:<body>``, HMAC-SHA256) and
POSTed to Punchcard's ``/slack/events``; then what Slack does with the answer (the ack's
ephemeral message, a modal's ``response_action``) and with what the app POSTs to a response
URL afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from bot.sandbox.slack import APP_ID, TEAM_ID, Workspace

logger = logging.getLogger(__name__)
TIMEOUT = 10.0  # Slack gives up after 3 s; the page waits longer to show what happened
FAILED = '{command} failed with the error "{error}"'


@dataclass(frozen=True)
class Origin:
    """Where a response URL answers: a person, a channel, and the message clicked (if any)."""

    user: str
    channel: str
    ts: str | None = None


class Refused(Exception):
    """A request the page made that Slack would not send (the words are shown on the page)."""


class Player:
    """Sends Slack's requests to the app at ``events_url`` and applies its answers to ``ws``."""

    def __init__(self, ws: Workspace, events_url: str, secret: str) -> None:
        self.ws, self.events_url, self.secret = ws, events_url, secret.encode()
        self.origins: dict[str, Origin] = {}

    # -- sending ------------------------------------------------------------------------------

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        mac = hmac.new(self.secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + mac}

    def send(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                   **self.sign(body)}  # fmt: skip
        request = urllib.request.Request(self.events_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - 127.0.0.1
                return answer.status, answer.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()
        except OSError as err:
            logger.warning("Punchcard did not answer: %s", err)
            return 0, b""

    def send_payload(self, payload: dict[str, Any]) -> tuple[int, Any]:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        status, raw = self.send(body, "application/x-www-form-urlencoded")
        return status, _json(raw)

    def response_url(self, origin: Origin) -> str:
        token = secrets.token_urlsafe(12)
        self.origins[token] = origin
        return f"{self.ws.base_url}/respond/{token}"

    def user(self, user: str) -> dict[str, Any]:
        if user not in self.ws.people:
            raise Refused(f"{user} is not one of the firm's people")
        first = self.ws.people[user].name.split()[0].lower()
        return {"id": user, "username": first, "name": first, "team_id": TEAM_ID}

    # -- the page's requests ------------------------------------------------------------------

    def command(self, user: str, channel: str, text: str) -> None:
        """The composer: a slash command, or a plain message."""
        self.user(user)
        text = text.strip()
        if not text:
            return
        if not text.startswith("/"):
            with self.ws.lock:
                self.ws.post(channel, {"user": user, "text": _escape(text)})
            return
        command, _, rest = text.partition(" ")
        if command != "/track":
            self._ephemeral(user, channel, {"text": f"{command} is not a valid command. Try `/track help`."})
            return
        with self.ws.lock:
            where = self.ws.channel(channel)
            trigger = self.ws.trigger(user)
        form = {
            "token": "sandbox", "team_id": TEAM_ID, "team_domain": "sandbox", "channel_id": where,
            "channel_name": "directmessage" if where.startswith("D") else self.ws.channels[where].name,
            "user_id": user, "user_name": self.user(user)["name"], "command": command, "text": rest.strip(),
            "api_app_id": APP_ID, "is_enterprise_install": "false",
            "response_url": self.response_url(Origin(user, where)), "trigger_id": trigger,
        }  # fmt: skip
        status, raw = self.send(urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded")
        if status != 200:
            self._ephemeral(user, where, {"text": FAILED.format(command=command, error=_error(status))})
            return
        answer = _json(raw)
        if isinstance(answer, dict) and (answer.get("text") or answer.get("blocks")):
            self._answer(Origin(user, where), answer)
        elif raw.strip() and not isinstance(answer, dict):
            self._ephemeral(user, where, {"text": raw.decode("utf-8", "replace")})

    def action(self, user: str, surface: str, action: dict[str, Any], state: dict[str, Any], *,
               channel: str = "", ts: str = "", view_id: str = "") -> None:  # fmt: skip
        """A click or a choice on a message, the Home tab or a modal (``block_actions``)."""
        payload: dict[str, Any] = {
            "type": "block_actions", "user": self.user(user), "api_app_id": APP_ID, "token": "sandbox",
            "team": {"id": TEAM_ID, "domain": "sandbox"}, "enterprise": None, "is_enterprise_install": False,
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        }  # fmt: skip
        with self.ws.lock:
            payload["trigger_id"] = self.ws.trigger(user)
            if surface == "message":
                message = self.ws.find(channel, ts)
                if message is None:
                    raise Refused("that message is gone")
                ephemeral = message.get("ephemeral_for") is not None
                payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel,
                                        "is_ephemeral": ephemeral}  # fmt: skip
                payload["channel"] = {"id": channel, "name": self.ws.channels[channel].name}
                if not ephemeral:
                    payload["message"] = {k: v for k, v in message.items() if k != "ephemeral_for"}
                payload["state"] = {"values": state}
                payload["response_url"] = self.response_url(Origin(user, channel, ts))
            else:
                view = self._view(user, surface, view_id)
                payload["container"] = {"type": "view", "view_id": view["id"]}
                payload["view"] = {**view, "state": {"values": state}}
        status, _answer = self.send_payload(payload)
        if status != 200:
            raise Refused(f"Punchcard answered the click with HTTP {status or 'nothing'}")

    def submit(self, user: str, view_id: str, state: dict[str, Any]) -> dict[str, str]:
        """A modal's submit button (``view_submission``): errors to show, or {} when it went."""
        with self.ws.lock:
            view = self._view(user, "modal", view_id)
            payload = {"type": "view_submission", "team": {"id": TEAM_ID, "domain": "sandbox"},
                       "user": self.user(user), "api_app_id": APP_ID, "token": "sandbox",
                       "trigger_id": self.ws.trigger(user), "view": {**view, "state": {"values": state}},
                       "response_urls": [], "is_enterprise_install": False}  # fmt: skip
        status, answer = self.send_payload(payload)
        if status != 200:
            raise Refused(f"Punchcard answered the submission with HTTP {status or 'nothing'}")
        answer = answer if isinstance(answer, dict) else {}
        with self.ws.lock:
            stack = self.ws.modals.get(user, [])
            at = next((i for i, v in enumerate(stack) if v["id"] == view_id), None)
            kind = answer.get("response_action")
            if kind == "errors":
                errors = {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}
                if at is not None:
                    stack[at] = {**stack[at], "errors": errors, "state": {"values": state}}
                self.ws.changed()
                return errors
            if kind == "clear":
                self.ws.modals[user] = []
            elif kind in ("update", "push") and isinstance(answer.get("view"), dict):
                new = {**answer["view"], "id": view_id if kind == "update" else self.ws.next_id("V"),
                       "hash": self.ws.next_id("h"), "state": {"values": {}}, "errors": {}}  # fmt: skip
                if kind == "update" and at is not None:
                    stack[at] = new
                else:
                    stack.append(new)
            elif at is not None:
                del stack[at:]
            self.ws.changed()
        return {}

    def close(self, user: str, view_id: str) -> None:
        with self.ws.lock:
            view = self._view(user, "modal", view_id)
            stack = self.ws.modals.get(user, [])
            self.ws.modals[user] = [v for v in stack if v["id"] != view_id]
            self.ws.changed()
        if view.get("notify_on_close"):
            self.send_payload({"type": "view_closed", "team": {"id": TEAM_ID}, "user": self.user(user),
                               "api_app_id": APP_ID, "view": view, "is_cleared": False})  # fmt: skip

    def options(self, user: str, surface: str, action_id: str, block_id: str, value: str, *,
                channel: str = "", ts: str = "", view_id: str = "") -> dict[str, Any]:  # fmt: skip
        payload: dict[str, Any] = {"type": "block_suggestion", "user": self.user(user), "api_app_id": APP_ID,
                                   "token": "sandbox", "team": {"id": TEAM_ID, "domain": "sandbox"},
                                   "action_id": action_id, "block_id": block_id, "value": value}  # fmt: skip
        with self.ws.lock:
            if surface == "message":
                payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel}
                payload["channel"] = {"id": channel}
            else:
                view = self._view(user, surface, view_id)
                payload["container"] = {"type": "view", "view_id": view["id"]}
                payload["view"] = view
        status, answer = self.send_payload(payload)
        if status != 200 or not isinstance(answer, dict):
            raise Refused(f"Punchcard answered the type-ahead with HTTP {status or 'nothing'}")
        return {"options": answer.get("options", []), "option_groups": answer.get("option_groups", [])}

    def shortcut(self, user: str, channel: str, ts: str, callback_id: str) -> None:
        with self.ws.lock:
            message = self.ws.find(channel, ts)
            if message is None:
                raise Refused("that message is gone")
            trigger = self.ws.trigger(user)
            payload = {"type": "message_action", "callback_id": callback_id, "trigger_id": trigger,
                       "team": {"id": TEAM_ID, "domain": "sandbox"}, "channel": {"id": channel},
                       "user": self.user(user), "api_app_id": APP_ID, "token": "sandbox", "message_ts": ts,
                       "message": {k: v for k, v in message.items() if k != "ephemeral_for"},
                       "response_url": self.response_url(Origin(user, channel))}  # fmt: skip
        status, _ = self.send_payload(payload)
        if status != 200:
            raise Refused(f"Punchcard answered the shortcut with HTTP {status or 'nothing'}")

    def home_opened(self, user: str) -> None:
        self.user(user)
        with self.ws.lock:
            channel, home = self.ws.dm(user), self.ws.homes.get(user)
        event = {"type": "app_home_opened", "user": user, "channel": channel, "tab": "home",
                 "event_ts": f"{time.time():.6f}", **({"view": home} if home else {})}  # fmt: skip
        body = {"token": "sandbox", "team_id": TEAM_ID, "api_app_id": APP_ID, "event": event,
                "type": "event_callback", "event_id": "Ev" + secrets.token_hex(5),
                "event_time": int(time.time()), "is_ext_shared_channel": False}  # fmt: skip
        self.send(json.dumps(body).encode(), "application/json")

    # -- what the app sends back --------------------------------------------------------------

    def respond(self, token: str, body: dict[str, Any]) -> bool:
        """A POST to a response URL; False for one this stand-in never handed out."""
        origin = self.origins.get(token)
        if origin is None:
            return False
        self._answer(origin, body)
        return True

    def _answer(self, origin: Origin, body: dict[str, Any]) -> None:
        message: dict[str, Any] = {k: body[k] for k in ("text", "blocks") if k in body}
        with self.ws.lock:
            old = self.ws.find(origin.channel, origin.ts) if origin.ts else None
            if old is not None and _yes(body.get("delete_original")):
                self.ws.remove(origin.channel, old["ts"])
            elif old is not None and _yes(body.get("replace_original")):
                old.pop("blocks", None)
                old.update({"text": "", **message, "edited": True})
                self.ws.changed()
            elif body.get("response_type") == "in_channel":
                self.ws.post(origin.channel, message)
            else:
                self.ws.post(origin.channel, {**message, "ephemeral_for": origin.user})

    def _ephemeral(self, user: str, channel: str, message: dict[str, Any]) -> None:
        with self.ws.lock:
            self.ws.post(channel, {**message, "ephemeral_for": user})

    def _view(self, user: str, surface: str, view_id: str) -> dict[str, Any]:
        if surface == "home":
            home = self.ws.homes.get(user)
            if home is None or (view_id and home["id"] != view_id):
                raise Refused("that Home tab is out of date")
            return home
        for view in self.ws.modals.get(user, []):
            if view["id"] == view_id:
                return view
        raise Refused("that modal is closed")


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return None


def _yes(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _error(status: int) -> str:
    return "operation_timeout" if status in (0, 404) else f"http_{status}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
