"""The stand-in's Slack: a workspace's conversations, views and files (the Web API methods
Punchcard calls on them are ``bot.sandbox.web_api``).

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
        now = time.monotonic()
        self.triggers = {k: v for k, v in self.triggers.items() if now - v[1] <= TRIGGER_LIFE}
        self.triggers[trigger_id] = (user, now)
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
                c.id: [
                    {**plain(m), "name": self.name_of(m["user"])}
                    for m in self.messages.get(c.id, [])
                    if m.get("ephemeral_for") in mine
                ]
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


def plain(message: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in message.items() if k not in ("ephemeral_for", "metadata")}
    out["ephemeral"] = message.get("ephemeral_for") is not None
    return out
