"""The stand-in's HTTP server (the standard library's, on threads: a long poll holds one):
the page and its files, the page's JSON API, and Slack's own endpoints (the Web API, upload
URLs, response URLs, files). See ``bot.sandbox`` for the API."""

from __future__ import annotations

import json
import logging
import mimetypes
import socket
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from bot.sandbox.interact import Player, Refused
from bot.sandbox.slack import SlackError, Workspace
from bot.sandbox.web_api import call, receive_upload

logger = logging.getLogger(__name__)
POLL = 25.0  # seconds a long poll waits for a change
MAX_BODY = 20 * 1024 * 1024
STATIC = ("index.html", "app.css", "app.js", "blockkit.js")

# A scheduled job fired from the page: (name, "YYYY-MM-DDTHH:MM" or "") -> what happened.
FireJob = Callable[[str, str], str]


class Sandbox(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, listener: socket.socket, ws: Workspace, player: Player, *, token: str,
                 jobs: list[dict[str, str]], fire: FireJob) -> None:  # fmt: skip
        """``listener``: bound and listening (``punchcard try`` binds its port before anything else)."""
        super().__init__(listener.getsockname(), Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = listener
        self.ws, self.player, self.token, self.jobs, self.fire = ws, player, token, jobs, fire


class Handler(BaseHTTPRequestHandler):
    server: Sandbox
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        logger.debug("sandbox: " + format, *args)

    # -- routing --------------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path, query = self._split()
        if path in ("/", "/index.html"):
            return self._static("index.html")
        if path.startswith("/static/") and path[8:] in STATIC:
            return self._static(path[8:])
        if path == "/sandbox/state":
            return self._state(query)
        if path.startswith("/files/"):
            return self._file(path)
        if path == "/favicon.ico":
            return self._send(204, b"", "image/x-icon")
        self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802
        path, query = self._split()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._send(413, b"too large", "text/plain")
        body = self.rfile.read(length)
        try:
            if path.startswith("/api/"):
                return self._web_api(path[5:], query, body)
            if path.startswith("/upload/"):
                done = receive_upload(self.server.ws, path[8:], body)
                return self._send(200 if done else 404, b"OK" if done else b"", "text/plain")
            if path.startswith("/respond/"):
                return self._respond(path[9:], body)
            if path.startswith("/sandbox/"):
                return self._page(path[9:], _object(body))
        except Exception:  # the page shows "failed"; the server keeps serving
            logger.exception("sandbox: %s failed", path)
            return self._json({"ok": False, "error": "the stand-in failed; see the terminal"}, 500)
        self._send(404, b"not found", "text/plain")

    # -- Slack's endpoints ------------------------------------------------------------------------

    def _web_api(self, method: str, query: dict[str, str], body: bytes) -> None:
        params: dict[str, Any] = dict(query)
        kind = self.headers.get("Content-Type") or ""
        if "json" in kind:
            params.update(_object(body))
        else:
            params.update({k: _maybe_json(v) for k, v in urllib.parse.parse_qsl(body.decode(), True)})
        bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        token = bearer or params.get("token")
        if token != self.server.token:
            return self._json({"ok": False, "error": "invalid_auth"})
        try:
            answer = call(self.server.ws, method, params)
        except SlackError as err:
            answer = {"ok": False, "error": err.error}
        if not answer.get("ok"):
            logger.info("sandbox: %s answered %s", method, answer.get("error"))
        self._json(answer)

    def _respond(self, token: str, body: bytes) -> None:
        message = _object(body)
        if not self.server.player.respond(token, message):
            return self._send(404, b"no_such_response_url", "text/plain")
        self._send(200, b"ok", "text/plain")

    def _file(self, path: str) -> None:
        file_id = path.split("/")[2] if path.count("/") >= 2 else ""
        found = self.server.ws.files.get(file_id)
        if found is None or not found.content:
            return self._send(404, b"no such file", "text/plain")
        disposition = f'inline; filename="{found.name.replace(chr(34), "")}"'
        self._send(200, found.content, found.mimetype, {"Content-Disposition": disposition})

    # -- the page's API ---------------------------------------------------------------------------

    def _state(self, query: dict[str, str]) -> None:
        ws, user = self.server.ws, query.get("user", "")
        if user not in ws.people:
            user = next(iter(ws.people), "")
        after = query.get("after", "")
        if after.lstrip("-").isdigit():
            ws.wait(int(after), POLL)
        self._json({"ok": True, **ws.seen_by(user), "jobs": self.server.jobs})

    def _page(self, what: str, p: dict[str, Any]) -> None:
        player, user = self.server.player, str(p.get("user", ""))
        try:
            answer: dict[str, Any] = {}
            if what == "command":
                player.command(user, str(p.get("channel", "")), str(p.get("text", "")))
            elif what == "action":
                player.action(user, str(p.get("surface", "")), _dict(p.get("action")), _dict(p.get("state")),
                              channel=str(p.get("channel", "")), ts=str(p.get("ts", "")),
                              view_id=str(p.get("view_id", "")))  # fmt: skip
            elif what == "submit":
                errors = player.submit(user, str(p.get("view_id", "")), _dict(p.get("state")))
                answer = {"errors": errors} if errors else {}
            elif what == "close":
                player.close(user, str(p.get("view_id", "")))
            elif what == "options":
                answer = player.options(user, str(p.get("surface", "")), str(p.get("action_id", "")),
                                        str(p.get("block_id", "")), str(p.get("value", "")),
                                        channel=str(p.get("channel", "")), ts=str(p.get("ts", "")),
                                        view_id=str(p.get("view_id", "")))  # fmt: skip
            elif what == "home":
                player.home_opened(user)
            elif what == "shortcut":
                player.shortcut(user, str(p.get("channel", "")), str(p.get("ts", "")),
                                str(p.get("callback_id", "")))  # fmt: skip
            elif what == "job":
                answer = {"said": self.server.fire(str(p.get("name", "")), str(p.get("at", "")))}
            else:
                return self._send(404, b"not found", "text/plain")
        except (Refused, SlackError, ValueError) as err:
            return self._json({"ok": False, "error": str(err)})
        self._json({"ok": True, **answer})

    # -- plumbing ---------------------------------------------------------------------------------

    def _split(self) -> tuple[str, dict[str, str]]:
        parts = urllib.parse.urlsplit(self.path)
        return parts.path, dict(urllib.parse.parse_qsl(parts.query))

    def _static(self, name: str) -> None:
        content = resources.files("bot.sandbox").joinpath("static", name).read_bytes()
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if kind.startswith("text/") or "javascript" in kind:
            kind += "; charset=utf-8"
        self._send(200, content, kind, {"Cache-Control": "no-store"})

    def _json(self, data: dict[str, Any], status: int = 200) -> None:
        self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8")

    def _send(self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _object(body: bytes) -> dict[str, Any]:
    try:
        found = json.loads(body or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _maybe_json(value: str) -> Any:
    if value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
