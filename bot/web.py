"""The HTTP front door: Bolt's endpoint, /healthz, and the routes handed in (share links).

Bolt's stock Starlette adapter calls the blocking ``App.dispatch`` on the event loop for every
request, so one request that waits (on Slack, on a database server) holds up all the others.
Here a request is dispatched on the loop only when ``inline`` says it will not wait: on SQLite
a ``/track`` answer is a few hundred microseconds of CPU, and running it on the loop saves
the two thread hand-offs and the GIL contention that cost more than the answer itself
(bench/track_compare.py). Anything else runs on a small thread pool.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import anyio.to_thread
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from bot.metrics import observe
from bot.parsing import SUBCOMMANDS
from bot.shapes import is_slack_shaped
from bot.signing import is_signed
from storage.db import ping

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


# Requests are short CPU bursts under one GIL: a few threads serve them fastest; more only
# queue for the GIL (and for SQLite's single writer) and stretch the tail (see bench/).
DISPATCH_THREADS = 4
# A batch of group-committed requests holds the loop while it runs: at most this many.
BATCH_LIMIT = 32
# Slack's largest payloads (a view submission of 100 blocks) are a few hundred KB.
MAX_BODY = 1 << 20


async def _plain(send: Send, status: int, text: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(text)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})


@dataclass(frozen=True)
class GroupCommit:
    """Requests answered on the loop in one turn of it, dispatched one after another in one
    database transaction (storage.db.write_batch) and answered once it has committed."""

    accepts: Callable[[str], bool]  # whether a request (its body) may join a batch
    batch: Callable[[], AbstractContextManager[Any]]  # the transaction; ``.failed`` after it
    failed: Callable[[], BoltResponse]  # the answer to each request of a batch that failed
    limit: int = BATCH_LIMIT


def form_field(body: str, name: str) -> str | None:
    """One field of a form-encoded body, read without parsing the rest (the text can be long)."""
    form = "&" + body
    key = f"&{name}="
    start = form.find(key)
    if start == -1:
        return None
    start += len(key)
    end = form.find("&", start)
    value = form[start : end if end != -1 else len(form)]
    if "%" in value or "+" in value:  # Slack's ids need no quoting, but be exact
        value = unquote_plus(value)
    return value


def slash_command(body: str) -> tuple[str, str] | None:
    """(command, subcommand: its text's first word, lower-cased) of a slash command's body;
    None for interactivity (``payload=``) and events (JSON)."""
    if not body.startswith(("token=", "command=")) and "&command=" not in body:
        return None
    command = form_field(body, "command") or ""
    text = (form_field(body, "text") or "").strip()
    return command, (text.split(None, 1)[0].lower() if text else "")


def inline_when(command: str, subcommands: frozenset[str]) -> Callable[[str], bool]:
    """For ``create_web_app(inline=...)``: clicks, submissions and events, and ``command``
    with one of ``subcommands`` (those measured as cheap), are answered on the loop."""

    def check(body: str) -> bool:
        slash = slash_command(body)
        return slash is None or (slash[0] == command and slash[1] in subcommands)

    return check


def command_is(command: str, subcommands: frozenset[str]) -> Callable[[str], bool]:
    """For ``GroupCommit(accepts=...)``: ``command`` with one of ``subcommands``."""

    def check(body: str) -> bool:
        slash = slash_command(body)
        return slash is not None and slash[0] == command and slash[1] in subcommands

    return check


def _dispatch(app: App, request: BoltRequest) -> BoltResponse:
    """Bolt's answer to a signed request. Our listeners' and middleware's errors reach
    ``bot.app``'s error handler; what escapes is Bolt itself failing on a body Slack never
    sends (a ``view`` without its ``type``): a 400 and one line, not a traceback."""
    try:
        return app.dispatch(request)
    except Exception as error:
        logger.warning("a signed request Bolt could not read (%s: %s): refused with 400",
                       type(error).__name__, str(error)[:200])  # fmt: skip
        return BoltResponse(status=400, body="not a Slack request body")


class _Batcher:
    def __init__(self, app: App, group: GroupCommit) -> None:
        self.app = app
        self.group = group
        self.waiting: list[tuple[BoltRequest, asyncio.Future[BoltResponse]]] = []

    def dispatch(self, request: BoltRequest) -> asyncio.Future[BoltResponse]:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[BoltResponse] = loop.create_future()
        self.waiting.append((request, answer))
        if len(self.waiting) == 1:
            # The requests that arrive with this one start this turn of the loop; they
            # queue behind it, and the flush runs in the next turn, after all of them.
            loop.call_soon(self.flush)
        elif len(self.waiting) >= self.group.limit:
            self.flush()
        return answer

    def flush(self) -> None:
        waiting, self.waiting = self.waiting, []
        if not waiting:
            return
        answers: list[BoltResponse] = []
        try:
            with self.group.batch() as batch:
                for request, _answer in waiting:
                    answers.append(_dispatch(self.app, request))
            if batch is not None and batch.failed:
                answers = [self.group.failed() for _ in waiting]
        except Exception:  # the transaction could not begin or end
            logger.exception("a batch of %d requests failed", len(waiting))
            answers = [self.group.failed() for _ in waiting]
        for (_request, answer), response in zip(waiting, answers, strict=True):
            if not answer.done():
                answer.set_result(response)


_KINDS = {"block_actions": "action", "view_submission": "view", "view_closed": "view",
          "block_suggestion": "options", "shortcut": "shortcut", "message_action": "shortcut",
          "event_callback": "event", "url_verification": "event"}  # fmt: skip
_TRACK = {word: f"track:{word}" for word in SUBCOMMANDS}


def kind_of(body: Any) -> str:
    """A Slack request's kind for the metrics: ``track:<subcommand>`` (a known one, else
    ``track:other``: the text is the person's, never a label), or the payload's type."""
    if not isinstance(body, dict):
        return "other"
    if "command" in body:
        words = str(body.get("text") or "").split(None, 1)
        return _TRACK.get(words[0].lower(), "track:other") if words else "track:help"
    return _KINDS.get(str(body.get("type")), "other")


def route_of(path: str) -> tuple[str, str]:
    """A path as a route label: never the path itself (a share link's token is in it)."""
    if path.startswith("/r/"):
        return ("share_csv", "csv") if path.endswith("/hours.csv") else ("share", "page")
    if path in ("/healthz", "/metrics"):
        return path[1:], "get"
    return "other", "other"


def create_web_app(
    app: App,
    engine: Engine,
    *,
    signing_secret: str,
    dispatch_threads: int = DISPATCH_THREADS,
    inline: Callable[[str], bool] | None = None,
    on_loop: Callable[[asyncio.AbstractEventLoop], None] | None = None,
    group: GroupCommit | None = None,
    routes: Sequence[Route] = (),
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """``inline(body)`` is True for a request that can be answered without waiting on I/O;
    ``on_loop`` is handed the serving event loop at start-up; requests that ``group``
    accepts (all of them answered inline) share a transaction with those that arrive with
    them (group commit: one COMMIT for a burst, bench/track_compare.py); ``routes`` are served
    beside ``/healthz`` (the share links' pages, bot.share_web). A request not
    signed with ``signing_secret`` gets 401 before its body is parsed (bot.signing), a signed
    body that is not Slack's shape 400, a body over ``MAX_BODY`` 413 before it is read whole.

    Slack's POSTs take a raw ASGI path: Starlette's middleware and routing cost about 60 µs a
    request (bench/bare_app.py --serving asgi-inline), a tenth of a ``/track`` answer.
    Everything else (``/healthz``, other methods, the lifespan) goes through Starlette."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = dispatch_threads
        if on_loop is not None:
            on_loop(asyncio.get_running_loop())
        yield

    async def healthz(_request: Request) -> Response:
        try:
            await run_in_threadpool(ping, engine)
        except Exception as err:  # any database failure means "not healthy"
            logger.warning("healthz: database unreachable: %s", err)
            return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
        return JSONResponse({"ok": True})

    site = Starlette(
        lifespan=lifespan,
        routes=[Route("/healthz", healthz, methods=["GET"]), *routes],
    )

    batcher = _Batcher(app, group) if group is not None else None
    secret = signing_secret.encode()

    async def events(scope: Scope, receive: Receive, send: Send) -> tuple[int, str]:
        """Answer one of Slack's POSTs; (its status, its kind for the metrics)."""
        chunks, size = [], 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:  # refused before it is read whole, let alone parsed
                await _plain(send, 413, b"request body too large")
                return 413, "too_large"
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if not is_signed(secret, raw, headers, now=time.time()):
            await _plain(send, 401, b"invalid request signature")
            return 401, "unsigned"
        body = raw.decode("utf-8", errors="replace")
        try:
            bolt_request = BoltRequest(body=body, query=scope.get("query_string", b"").decode("latin-1"),
                                       headers=headers)  # fmt: skip
            readable = is_slack_shaped(bolt_request.body)
        except Exception:  # Bolt could not read what was signed: the body's fault, not ours
            readable = False
        if not readable:
            logger.warning("a signed request whose body is not a Slack payload: refused with 400")
            await _plain(send, 400, b"not a Slack request body")
            return 400, "malformed"
        if inline is not None and inline(body):
            if batcher is not None and batcher.group.accepts(body):
                bolt_response = await batcher.dispatch(bolt_request)
            else:
                bolt_response = _dispatch(app, bolt_request)
        else:
            bolt_response = await run_in_threadpool(_dispatch, app, bolt_request)
        content = bolt_response.body
        raw = content.encode("utf-8") if isinstance(content, str) else bytes(content or b"")
        out = [(k.lower().encode("latin-1"), v[0].encode("latin-1"))
               for k, v in bolt_response.headers.items() if v and k.lower() != "content-length"]  # fmt: skip
        out.append((b"content-length", str(len(raw)).encode()))
        await send({"type": "http.response.start", "status": bolt_response.status, "headers": out})
        await send({"type": "http.response.body", "body": raw})
        return bolt_response.status, kind_of(bolt_request.body)

    async def front_door(scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        if scope["type"] != "http":  # the lifespan
            await site(scope, receive, send)
        elif scope["method"] == "POST" and scope["path"] == EVENTS_PATH:
            status, kind = await events(scope, receive, send)
            observe("slack", kind, status, started)
        else:
            answered = [500]

            async def noting(message: Message) -> None:
                if message["type"] == "http.response.start":
                    answered[0] = message["status"]
                await send(message)

            await site(scope, receive, noting)
            route, kind = route_of(scope["path"])
            observe(route, kind, answered[0], started)

    return front_door
