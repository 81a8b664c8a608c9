"""A local fake of the Slack Web API, owned by the tests.

``FakeSlack()`` serves on 127.0.0.1 (a free port) from a daemon thread; point a WebClient at it
with ``WebClient(token=..., base_url=fake.url)``. Every request is recorded as a :class:`Call`,
in arrival order, and answered the way Slack answers it (HTTP 200, ``"ok": true``) unless a test
asked for a 429 (:meth:`FakeSlack.rate_limit`) or an error (:meth:`FakeSlack.fail`).

Stdlib only, and thread-safe: the bot calls it from several threads at once.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

API_PREFIX = "/api/"
RESPONSE_PREFIX = "/response/"
UPLOAD_PREFIX = "/upload/"

TEAM_ID = "T0FAKE"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
DEFAULT_TZ = "America/Los_Angeles"

AUTH_TEST = {
    "ok": True,
    "url": "https://fake.slack.com/",
    "team": "Fake Firm",
    "user": "punchcard",
    "team_id": TEAM_ID,
    "user_id": BOT_USER_ID,
    "bot_id": BOT_ID,
    "is_enterprise_install": False,
}

# Every Block Kit payload that reached a FakeSlack, or came back to the tests in a signed request's
# JSON answer, this session: {"kind": "blocks" | "view", "source": method, "payload": blocks or view}.
# tests/e2e/test_sandbox_renderer.py draws them all with the sandbox page's renderer.
BLOCK_KIT_SEEN: list[dict[str, Any]] = []


def record_block_kit(source: str, body: Any) -> None:
    """Keep the ``blocks`` list and the ``view`` (a modal, home or ``response_action`` view) of a
    request or answer body."""
    if isinstance(body, bytes):
        try:
            body = json.loads(body)
        except ValueError:
            return
    if not isinstance(body, dict):
        return
    if isinstance(body.get("blocks"), list):
        BLOCK_KIT_SEEN.append({"kind": "blocks", "source": source, "payload": body["blocks"]})
    view = body.get("view")
    if isinstance(view, dict) and isinstance(view.get("blocks"), list):
        BLOCK_KIT_SEEN.append({"kind": "view", "source": source, "payload": view})


# Keys never json-decoded even when their value looks like JSON: free text stays text.
_TEXT_KEYS = frozenset({"text", "initial_comment", "title", "filename", "alt_text", "command"})


def _canonical(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


class Headers(dict[str, str]):
    """Header names in canonical ``Title-Case``; lookups ignore case (urllib sends ``Content-type``)."""

    def __init__(self, items: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        super().__init__()
        pairs = items.items() if isinstance(items, Mapping) else items
        for key, value in pairs:
            self[key] = value

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(_canonical(key), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(_canonical(key))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(_canonical(key))

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(_canonical(key), default)


@dataclass
class Call:
    """One request the fake received."""

    method: str  # "chat.postMessage", or "response_url" / "file_upload" for those URLs
    params: dict[str, Any]
    headers: dict[str, str]
    path: str
    rate_limited: bool = False  # answered 429 (see FakeSlack.rate_limit)
    error: str | None = None  # answered {"ok": false, "error": ...} (see FakeSlack.fail)
    http_status: int = 200  # a 5xx from FakeSlack.fail_http or an outage

    @property
    def token(self) -> str | None:
        """The token the caller used: ``Authorization: Bearer ...`` or a ``token`` param."""
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :]
        token = self.params.get("token")
        return token if isinstance(token, str) else None


def _tz_offset(tz: str) -> int:
    try:
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
    except (KeyError, ValueError):  # unknown zone name: like UTC
        return 0
    return int(offset.total_seconds()) if offset is not None else 0


def make_user(user_id: str, *, real_name: str | None = None, tz: str = DEFAULT_TZ) -> dict[str, Any]:
    """A users.info ``user`` object as Slack returns it (the fields the bot may read)."""
    name = real_name if real_name is not None else f"User {user_id}"
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": user_id.lower(),
        "real_name": name,
        "deleted": False,
        "is_bot": False,
        "is_admin": False,
        "tz": tz,
        "tz_label": tz,
        "tz_offset": _tz_offset(tz),
        "profile": {"real_name": name, "display_name": name, "team": TEAM_ID},
    }


def _maybe_json(key: str, value: Any) -> Any:
    if key in _TEXT_KEYS or not isinstance(value, str):
        return value
    stripped = value.lstrip()
    if not stripped.startswith(("[", "{")):
        return value
    try:
        decoded = json.loads(stripped)
    except ValueError:
        return value
    return decoded if isinstance(decoded, list | dict) else value


def _parse_form(text: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key in params:  # a repeated key: keep them all
            previous = params[key]
            params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[key] = value
    return params


def parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Query string, then a form or JSON body; values holding JSON arrays/objects decoded."""
    params = _parse_form(query)
    if body:
        text = body.decode("utf-8", errors="replace")
        if "json" in content_type.lower():
            try:
                decoded = json.loads(text)
            except ValueError:
                decoded = {"_body": text}
            params.update(decoded if isinstance(decoded, dict) else {"_body": decoded})
        else:
            params.update(_parse_form(text))
    return {key: _maybe_json(key, value) for key, value in params.items()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops SYNs under concurrent calls: 1 s client stalls
    allow_reuse_address = True
    fake: FakeSlack


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "FakeSlack/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet, please
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            status, headers, payload = self.server.fake._dispatch(
                self.path, Headers(self.headers.items()), body
            )
        except Exception as err:  # surface fake bugs as a 500 the test will see
            status, headers = 500, {}
            payload = {"ok": False, "error": f"fake_slack_bug: {type(err).__name__}: {err}"}
        html = payload.get("_html") if isinstance(payload, dict) else None
        data = html.encode() if isinstance(html, str) else json.dumps(payload).encode()
        self.send_response(status)
        if not isinstance(html, str):
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class FakeSlack:
    """The Slack Web API on 127.0.0.1, recording every call. Use as a context manager."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._rate_limits: dict[str, list[int]] = {}  # method -> retry_after per pending 429
        self._failures: dict[str, list[str]] = {}  # method -> error per pending failure
        self._http_failures: dict[str, list[int]] = {}  # method -> HTTP status per pending failure
        self._outage: set[str] | None = None  # methods answered 503 (empty set: every method)
        self._delays: dict[str, float] = {}  # method -> seconds before it answers
        # channel -> messages posted there, oldest first (conversations.history reads them)
        self.history: dict[str, list[dict[str, Any]]] = {}
        self._uploads: dict[str, dict[str, Any]] = {}  # upload id -> filename, length, size
        self._counter = itertools.count(1)
        self._last_ts = 0
        self.users: dict[str, dict[str, Any]] = {}
        # apps.connections.open hands this out (tests.fakesocket.FakeSocketMode.url).
        self.socket_url: str | None = None
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.port: int = int(self._server.server_address[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}{API_PREFIX}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        self._closed = False

    # ------------------------------------------------------------------ set-up by tests

    def add_user(self, user_id: str, *, real_name: str, tz: str) -> None:
        """users.info for ``user_id`` answers with this name and time zone."""
        with self._lock:
            self.users[user_id] = make_user(user_id, real_name=real_name, tz=tz)

    def response_url(self) -> str:
        """A fresh URL for a slash command's ``response_url``; posts to it are recorded."""
        return f"{self.base}{RESPONSE_PREFIX}{next(self._counter)}"

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls to ``method`` answer 429 with ``Retry-After: retry_after``."""
        with self._lock:
            self._rate_limits.setdefault(method, []).extend([int(retry_after)] * times)

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next ``times`` calls to ``method`` answer ``{"ok": false, "error": error}`` (HTTP 200)."""
        with self._lock:
            self._failures.setdefault(method, []).extend([error] * times)

    def fail_http(self, method: str, status: int = 500, times: int = 1) -> None:
        """The next ``times`` calls to ``method`` answer HTTP ``status`` with an HTML body,
        as a load balancer in front of Slack does."""
        with self._lock:
            self._http_failures.setdefault(method, []).extend([int(status)] * times)

    def outage(self, *methods: str) -> None:
        """Every call to ``methods`` (to every method, given none) answers HTTP 503 until
        :meth:`recover`. Nothing is posted meanwhile."""
        with self._lock:
            self._outage = set(methods)

    def recover(self) -> None:
        with self._lock:
            self._outage = None

    def delay(self, method: str, seconds: float) -> None:
        """Calls to ``method`` answer after ``seconds`` (0 answers at once again)."""
        with self._lock:
            self._delays[method] = float(seconds)

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages posted (and still there), in a channel or in all of them, oldest first."""
        with self._lock:
            if channel is not None:
                return [dict(m) for m in self.history.get(channel, [])]
            return [dict(m) for msgs in self.history.values() for m in msgs]

    def reset(self) -> None:
        """Forget calls, pending 429s and failures; keep users."""
        with self._lock:
            self._calls.clear()
            self._rate_limits.clear()
            self._failures.clear()
            self._http_failures.clear()
            self._outage = None

    # ------------------------------------------------------------------ what happened

    @property
    def calls(self) -> list[Call]:
        """A copy of every call so far, in arrival order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least ``count`` calls to ``method`` arrived (429s included); return them."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                matching = [c for c in self._calls if c.method == method]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = "\n".join(f"  {_describe(c)}" for c in self._calls) or "  (none)"
                    raise AssertionError(
                        f"waited {timeout}s for {count} call(s) to {method}, got {len(matching)}; "
                        f"calls seen:\n{seen}"
                    )
                self._arrived.wait(remaining)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FakeSlack(url={self.url!r}, calls={len(self.calls)})"

    # ------------------------------------------------------------------ serving

    def _dispatch(
        self, raw_path: str, headers: Headers, body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        split = urlsplit(raw_path)
        path = split.path
        content_type = headers.get("Content-Type") or ""
        if path.startswith(UPLOAD_PREFIX):
            method = "file_upload"
            params: dict[str, Any] = {"size": len(body), "body": body}
        elif path.startswith(RESPONSE_PREFIX):
            method = "response_url"
            params = parse_params(split.query, body, "application/json")
        elif path.startswith(API_PREFIX):
            method = path[len(API_PREFIX) :].strip("/")
            params = parse_params(split.query, body, content_type)
        else:
            method = path
            params = parse_params(split.query, body, content_type)

        call = Call(method=method, params=params, headers=headers, path=raw_path)
        if method != "file_upload":
            record_block_kit(method, params)
        with self._lock:
            delay = self._delays.get(method, 0.0)
        if delay:
            time.sleep(delay)
        with self._lock:
            pending_429 = self._rate_limits.get(method)
            pending_error = self._failures.get(method)
            pending_http = self._http_failures.get(method)
            down = self._outage is not None and (not self._outage or method in self._outage)
            if down or pending_http:
                status = 503 if down else pending_http.pop(0)  # type: ignore[union-attr]
                call.http_status = status
                self._calls.append(call)
                self._arrived.notify_all()
                return status, {"Content-Type": "text/html"}, {"_html": f"<html>{status}</html>"}
            if pending_429:
                retry_after = pending_429.pop(0)
                call.rate_limited = True
                status, extra, payload = (
                    429,
                    {"Retry-After": str(retry_after)},
                    {"ok": False, "error": "ratelimited"},
                )
            elif pending_error:
                call.error = pending_error.pop(0)
                status, extra, payload = 200, {}, {"ok": False, "error": call.error}
            else:
                status, extra, payload = 200, {}, self._answer(method, params, path)
            self._calls.append(call)
            self._arrived.notify_all()
        return status, extra, payload

    def _ts(self) -> str:
        """Slack's message ts: the time it was posted, unique (called with the lock held)."""
        micros = max(self._last_ts + 1, int(time.time() * 1_000_000))
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _answer(self, method: str, params: dict[str, Any], path: str) -> dict[str, Any]:
        """The ``ok`` answer for ``method``; called with the lock held."""
        if method == "auth.test":
            return dict(AUTH_TEST)
        if method == "apps.connections.open":
            if self.socket_url is None:
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self.socket_url}
        if method == "users.info":
            user_id = str(params.get("user", ""))
            user = self.users.get(user_id) or make_user(user_id)
            return {"ok": True, "user": json.loads(json.dumps(user))}
        if method == "chat.postMessage":
            ts = self._ts()
            channel = str(params.get("channel") or "")
            if channel.startswith("U"):  # posting to a user id posts to their DM with the bot
                channel = "D" + channel
            message: dict[str, Any] = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "ts": ts,
                "text": params.get("text", ""),
            }
            if "blocks" in params:
                message["blocks"] = params["blocks"]
            if isinstance(params.get("metadata"), dict):
                message["metadata"] = params["metadata"]
            self.history.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "conversations.history":
            channel = str(params.get("channel") or "")
            oldest = float(params.get("oldest") or 0)
            with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
            found = [
                {k: v for k, v in m.items() if k != "metadata" or with_metadata}
                for m in reversed(self.history.get(channel, []))
                if float(m["ts"]) > oldest
            ]
            limit = int(params.get("limit") or 100)
            return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}
        if method == "chat.getPermalink":
            channel, ts = params.get("channel", ""), str(params.get("message_ts", ""))
            link = f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._ts()}
        if method == "chat.update":
            for msg in self.history.get(str(params.get("channel") or ""), []):
                if msg["ts"] == params.get("ts"):
                    msg["text"] = params.get("text", "")
                    if "blocks" in params:
                        msg["blocks"] = params["blocks"]
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": params.get("ts"),
                "text": params.get("text", ""),
            }
        if method == "conversations.open":
            users = [u for u in str(params.get("users", "")).split(",") if u]
            channel = params.get("channel") or ("D" + users[0] if len(users) == 1 else "G" + "".join(users))
            return {"ok": True, "channel": {"id": channel}}
        if method in ("views.open", "views.push", "views.update", "views.publish"):
            view = params.get("view")
            n = next(self._counter)
            view_id = params.get("view_id") if method == "views.update" else None
            return {
                "ok": True,
                "view": {
                    **(view if isinstance(view, dict) else {}),
                    "id": view_id or f"V{n:07d}",
                    "hash": f"h{n}",
                    "team_id": TEAM_ID,
                },
            }
        if method == "files.getUploadURLExternal":
            upload_id = f"{next(self._counter):07d}"
            self._uploads[upload_id] = {"filename": params.get("filename"), "length": params.get("length")}
            return {
                "ok": True,
                "upload_url": f"{self.base}{UPLOAD_PREFIX}{upload_id}",
                "file_id": f"F{upload_id}",
            }
        if method == "files.completeUploadExternal":
            files = params.get("files")
            result = []
            for f in files if isinstance(files, list) else []:
                file_id = str(f.get("id", ""))
                meta = self._uploads.get(file_id.removeprefix("F"), {})
                result.append(
                    {
                        "id": file_id,
                        "title": f.get("title") or meta.get("filename"),
                        "name": meta.get("filename"),
                        "size": meta.get("size"),
                    }
                )
            channel = str(params.get("channel_id") or "")
            if channel and result:  # shared: a message holding the files, as Slack posts it
                if channel.startswith("U"):
                    channel = "D" + channel
                message = {"type": "message", "user": BOT_USER_ID, "ts": self._ts(), "text": "",
                           "upload": True, "files": result}  # fmt: skip
                if params.get("initial_comment"):
                    message["text"] = params["initial_comment"]
                self.history.setdefault(channel, []).append(message)
            return {"ok": True, "files": result}
        if method == "file_upload":
            upload = self._uploads.get(path[len(UPLOAD_PREFIX) :].strip("/"))
            if upload is not None:
                upload["size"] = params["size"]
        return {"ok": True}


def _describe(call: Call) -> str:
    shown = {k: (f"<{len(v)} bytes>" if isinstance(v, bytes) else v) for k, v in call.params.items()}
    text = json.dumps(shown, default=str)
    if len(text) > 200:
        text = text[:197] + "..."
    flag = " [429]" if call.rate_limited else (f" [error {call.error}]" if call.error else "")
    return f"{call.method}{flag} {text}"


__all__ = ["BLOCK_KIT_SEEN", "Call", "FakeSlack", "Headers", "make_user", "parse_params", "record_block_kit"]
