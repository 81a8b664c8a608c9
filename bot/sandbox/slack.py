"""The stand-in's Slack: a workspace's conversations, views and files, and the Web API methods
Punchcard calls on them, answered as Slack answers them.

Everything lives in one :class:`Workspace` guarded by a lock; each change bumps ``version``
and wakes the page's long polls (``wait``). Ids look like Slack's: ``C…`` channels, ``D<user>``
the bot's DM with a person, ``V…`` views, ``F…`` files, message ``ts`` the time it was posted.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

BOT_USER, BOT_ID, TEAM_ID, APP_ID = "U0PUNCHCARD", "B0PUNCHCARD", "T0SANDBOX", "A0PUNCHCARD"
GENERAL = "C0GENERAL"
TRIGGER_LIFE = 30.0  # seconds a trigger_id opens a modal (Slack: 3)


class SlackError(Exception):
    """A Web API method's ``ok: false`` answer."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class Person:
    id: str
    name: str
    role: str
    tz: str


@dataclass
class Channel:
    id: str
    name: str
    kind: str  # "channel" or "dm"


@dataclass
class File:
    id: str
    name: str
    title: str
    content: bytes = b""
    mimetype: str = "application/octet-stream"


@dataclass
class Workspace:
    """What the page shows and the Web API changes."""

    name: str
    base_url: str  # the stand-in's own address, for upload and file links
    timezone: str = "UTC"  # the firm's: a job fired from the page is timed in it
    people: dict[str, Person] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    modals: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, File] = field(default_factory=dict)
    triggers: dict[str, tuple[str, float]] = field(default_factory=dict)  # trigger_id: user, when
    version: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Condition()
        self._ids = itertools.count(1)
        self._last_ts = 0
        self.channels.setdefault(GENERAL, Channel(GENERAL, "general", "channel"))

    # -- changes -----------------------------------------------------------------------------

    def changed(self) -> None:
        """Called with the lock held after any change: wakes the long polls."""
        self.version += 1
        self.lock.notify_all()

    def wait(self, after: int, timeout: float) -> None:
        with self.lock:
            self.lock.wait_for(lambda: self.version > after, timeout=timeout)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):07d}"

    def ts(self) -> str:
        micros = max(self._last_ts + 1, int(time.time() * 1_000_000))
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def trigger(self, user: str) -> str:
        trigger_id = f"{next(self._ids)}.{int(time.time())}.sandbox"
        self.triggers[trigger_id] = (user, time.monotonic())
        return trigger_id

    def dm(self, user: str) -> str:
        channel = "D" + user
        if channel not in self.channels:
            self.channels[channel] = Channel(channel, "Punchcard", "dm")
        return channel

    def channel(self, channel: str) -> str:
        """Where a post to ``channel`` lands: a user id posts to their DM with the bot."""
        if channel.startswith(("U", "W")):
            return self.dm(channel)
        if not channel:
            raise SlackError("channel_not_found")
        if channel not in self.channels:
            if channel.startswith("D"):
                return self.dm(channel[1:])
            self.channels[channel] = Channel(channel, channel.lower(), "channel")
        return channel

    def post(self, channel: str, message: dict[str, Any]) -> dict[str, Any]:
        """A message added to ``channel``'s history, as of now."""
        where = self.channel(channel)
        message = {"ts": self.ts(), "channel": where, "user": BOT_USER, "text": "", **message}
        self.messages.setdefault(where, []).append(message)
        self.changed()
        return message

    def find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def remove(self, channel: str, ts: str) -> None:
        self.messages[channel] = [m for m in self.messages.get(channel, []) if m["ts"] != ts]
        self.changed()

    def view_owner(self, view_id: str) -> tuple[str, int] | None:
        """Whose modal stack holds ``view_id``, and where."""
        for user, stack in self.modals.items():
            for i, view in enumerate(stack):
                if view["id"] == view_id:
                    return user, i
        return None

    # -- what the page sees ------------------------------------------------------------------

    def seen_by(self, user: str) -> dict[str, Any]:
        with self.lock:
            dm = self.dm(user)
            channels = [c for c in self.channels.values() if c.kind == "channel"]
            channels.sort(key=lambda c: (c.id != GENERAL, c.name))
            shown = [*channels, self.channels[dm]]
            mine = (None, user)
            messages = {
                c.id: [_plain(m) for m in self.messages.get(c.id, []) if m.get("ephemeral_for") in mine]
                for c in shown
            }
            return json.loads(json.dumps({
                "version": self.version, "me": user, "workspace": self.name,
                "people": [{"id": p.id, "name": p.name, "role": p.role} for p in self.people.values()],
                "bot": {"id": BOT_USER, "name": "Punchcard"},
                "channels": [{"id": c.id, "name": c.name, "kind": c.kind} for c in shown],
                "messages": messages, "home": self.homes.get(user), "modals": self.modals.get(user, []),
            }))  # fmt: skip

    # -- kept between runs ----------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        """What a restart keeps (``try.slack.json`` beside ``try.db``): conversations, Home
        tabs and files; not modals, triggers or response URLs (Slack forgets those too)."""
        with self.lock:
            return json.loads(json.dumps({
                "version": self.version,
                "channels": [[c.id, c.name, c.kind] for c in self.channels.values()],
                "messages": self.messages, "homes": self.homes,
                "files": [[f.id, f.name, f.title, f.mimetype, base64.b64encode(f.content).decode()]
                          for f in self.files.values() if f.content],
            }))  # fmt: skip

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            for cid, name, kind in data.get("channels", []):
                self.channels.setdefault(cid, Channel(cid, name, kind))
            self.messages.update(data.get("messages", {}))
            self.homes.update(data.get("homes", {}))
            for fid, name, title, mimetype, content in data.get("files", []):
                self.files[fid] = File(fid, name, title, base64.b64decode(content), mimetype)
            numbers = [
                int(x[1:]) for x in [*self.files, *(h["id"] for h in self.homes.values())] if x[1:].isdigit()
            ]
            self._ids = itertools.count(max(numbers, default=0) + 1)
            self.version = int(data.get("version", 0)) + 1

    def name_of(self, user: str) -> str:
        found = self.people.get(user)
        return "Punchcard" if user == BOT_USER else found.name if found else user


def _plain(message: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in message.items() if k not in ("ephemeral_for", "metadata")}
    out["ephemeral"] = message.get("ephemeral_for") is not None
    return out


# -- the Web API -------------------------------------------------------------------------------


def call(ws: Workspace, method: str, params: dict[str, Any], body: bytes = b"") -> dict[str, Any]:
    """Slack's answer to ``method`` (raises SlackError for an ``ok: false`` one)."""
    handler = METHODS.get(method)
    if handler is None:
        raise SlackError("unknown_method")
    with ws.lock:
        return {"ok": True, **handler(ws, params)}


def _auth_test(ws: Workspace, _p: dict[str, Any]) -> dict[str, Any]:
    return {"url": ws.base_url + "/", "team": ws.name, "user": "punchcard", "team_id": TEAM_ID,
            "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}  # fmt: skip


def _users_info(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    person = ws.people.get(str(p.get("user", "")))
    if person is None:
        raise SlackError("user_not_found")
    first = person.name.split()[0]
    profile = {"real_name": person.name, "display_name": first, "email": f"{first.lower()}@example.com"}
    return {"user": {"id": person.id, "team_id": TEAM_ID, "name": first.lower(), "real_name": person.name,
                     "tz": person.tz, "tz_offset": 0, "is_bot": False, "deleted": False,
                     "profile": profile}}  # fmt: skip


def _conversations_open(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    users = [u for u in str(p.get("users", "")).split(",") if u]
    if len(users) != 1:
        raise SlackError("not_implemented")
    return {"channel": {"id": ws.dm(users[0])}}


def _message_fields(p: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"text": str(p.get("text") or "")}
    if isinstance(p.get("blocks"), list):
        out["blocks"] = p["blocks"]
    if isinstance(p.get("metadata"), dict):
        out["metadata"] = p["metadata"]
    return out


def _post_message(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    fields = _message_fields(p)
    if not fields["text"] and "blocks" not in fields:
        raise SlackError("no_text")
    message = ws.post(str(p.get("channel") or ""), fields)
    return {"channel": message["channel"], "ts": message["ts"], "message": _plain(message)}


def _post_ephemeral(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    user = str(p.get("user") or "")
    if user not in ws.people:
        raise SlackError("user_not_in_channel")
    message = ws.post(str(p.get("channel") or ""), {**_message_fields(p), "ephemeral_for": user})
    return {"message_ts": message["ts"]}


def _update(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel, ts = ws.channel(str(p.get("channel") or "")), str(p.get("ts") or "")
    message = ws.find(channel, ts)
    if message is None:
        raise SlackError("message_not_found")
    fields = _message_fields(p)
    message["text"] = fields["text"]
    if "blocks" in fields:
        message["blocks"] = fields["blocks"]
    message["edited"] = True
    ws.changed()
    return {"channel": channel, "ts": ts, "text": message["text"]}


def _delete(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel, ts = ws.channel(str(p.get("channel") or "")), str(p.get("ts") or "")
    if ws.find(channel, ts) is None:
        raise SlackError("message_not_found")
    ws.remove(channel, ts)
    return {"channel": channel, "ts": ts}


def _history(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channel(str(p.get("channel") or ""))
    oldest = float(p.get("oldest") or 0)
    metadata = str(p.get("include_all_metadata", "")).lower() in ("1", "true")
    found = [
        {k: v for k, v in m.items() if k != "ephemeral_for" and (k != "metadata" or metadata)}
        for m in reversed(ws.messages.get(channel, []))
        if float(m["ts"]) > oldest and m.get("ephemeral_for") is None
    ]
    limit = int(p.get("limit") or 100)
    return {"messages": found[:limit], "has_more": len(found) > limit}


def _permalink(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(p.get("channel") or ""), str(p.get("message_ts") or "")
    return {"channel": channel, "permalink": f"{ws.base_url}/#{channel}/{ts}"}


def _view(ws: Workspace, p: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
    view = p.get("view")
    if isinstance(view, str):
        view = json.loads(view)
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        raise SlackError("invalid_arguments")
    return {**view, "id": view_id or ws.next_id("V"), "hash": ws.next_id("h"), "team_id": TEAM_ID,
            "app_id": APP_ID, "bot_id": BOT_ID, "state": {"values": {}}, "errors": {}}  # fmt: skip


def _trigger_user(ws: Workspace, p: dict[str, Any]) -> str:
    found = ws.triggers.get(str(p.get("trigger_id") or ""))
    if found is None:
        raise SlackError("invalid_trigger_id")
    if time.monotonic() - found[1] > TRIGGER_LIFE:
        raise SlackError("expired_trigger_id")
    return found[0]


def _views_open(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    user = _trigger_user(ws, p)
    view = _view(ws, p)
    ws.modals[user] = [view]
    ws.changed()
    return {"view": view}


def _views_push(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    user = _trigger_user(ws, p)
    stack = ws.modals.setdefault(user, [])
    if len(stack) >= 3:
        raise SlackError("push_limit_reached")
    view = _view(ws, p)
    stack.append(view)
    ws.changed()
    return {"view": view}


def _views_update(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    view_id = str(p.get("view_id") or "")
    external = p.get("external_id")
    for stack in ws.modals.values():
        for i, old in enumerate(stack):
            if old["id"] == view_id or (external and old.get("external_id") == external):
                if p.get("hash") and p["hash"] != old["hash"]:
                    raise SlackError("hash_conflict")
                stack[i] = _view(ws, p, old["id"])
                ws.changed()
                return {"view": stack[i]}
    for user, home in ws.homes.items():
        if home["id"] == view_id:
            ws.homes[user] = _view(ws, p, view_id)
            ws.changed()
            return {"view": ws.homes[user]}
    raise SlackError("not_found")


def _views_publish(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    user = str(p.get("user_id") or "")
    if user not in ws.people:
        raise SlackError("user_not_found")
    old = ws.homes.get(user)
    ws.homes[user] = _view(ws, p, old["id"] if old else None)
    ws.changed()
    return {"view": ws.homes[user]}


def _upload_url(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    name = str(p.get("filename") or "")
    if not name or not str(p.get("length") or "").isdigit():
        raise SlackError("invalid_arguments")
    file_id = ws.next_id("F")
    ws.files[file_id] = File(file_id, name, name)
    return {"upload_url": f"{ws.base_url}/upload/{file_id}", "file_id": file_id}


MIMETYPES = {"pdf": "application/pdf", "png": "image/png", "csv": "text/csv", "txt": "text/plain",
             "xml": "application/xml",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip


def file_json(ws: Workspace, f: File) -> dict[str, Any]:
    return {"id": f.id, "name": f.name, "title": f.title, "mimetype": f.mimetype, "size": len(f.content),
            "url": f"{ws.base_url}/files/{f.id}/{f.name}"}  # fmt: skip


def _complete_upload(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    files = p.get("files")
    if isinstance(files, str):
        files = json.loads(files)
    done = []
    for item in files if isinstance(files, list) else []:
        found = ws.files.get(str(item.get("id", "")))
        if found is None:
            raise SlackError("file_not_found")
        found.title = str(item.get("title") or found.name)
        found.mimetype = MIMETYPES.get(found.name.rsplit(".", 1)[-1].lower(), found.mimetype)
        done.append(file_json(ws, found))
    if not done:
        raise SlackError("invalid_arguments")
    channel = str(p.get("channel_id") or p.get("channels") or "")
    if channel:  # shared: a message holding the files, as Slack posts it
        ws.post(channel, {"text": str(p.get("initial_comment") or ""), "files": done, "upload": True})
    return {"files": done}


def receive_upload(ws: Workspace, file_id: str, content: bytes) -> bool:
    """The raw POST to an upload URL (files_upload_v2's second step)."""
    with ws.lock:
        found = ws.files.get(file_id)
        if found is None:
            return False
        found.content = content
        return True


METHODS = {
    "auth.test": _auth_test, "users.info": _users_info, "conversations.open": _conversations_open,
    "chat.postMessage": _post_message, "chat.postEphemeral": _post_ephemeral, "chat.update": _update,
    "chat.delete": _delete, "conversations.history": _history, "chat.getPermalink": _permalink,
    "views.open": _views_open, "views.push": _views_push, "views.update": _views_update,
    "views.publish": _views_publish, "files.getUploadURLExternal": _upload_url,
    "files.completeUploadExternal": _complete_upload,
}  # fmt: skip
