"""The HTTP front door: Bolt's endpoint, and /healthz.

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
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
from slack_bolt import App
from slack_bolt.request import BoltRequest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from storage.db import ping

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


# Requests are short CPU bursts under one GIL: a few threads serve them fastest; more only
# queue for the GIL (and for SQLite's single writer) and stretch the tail (see bench/).
DISPATCH_THREADS = 4


def create_web_app(
    app: App,
    engine: Engine,
    *,
    dispatch_threads: int = DISPATCH_THREADS,
    inline: Callable[[str], bool] | None = None,
    on_loop: Callable[[asyncio.AbstractEventLoop], None] | None = None,
) -> Starlette:
    """``inline(body)`` is True for a request that can be answered without waiting on I/O;
    ``on_loop`` is handed the serving event loop at start-up."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = dispatch_threads
        if on_loop is not None:
            on_loop(asyncio.get_running_loop())
        yield

    async def slack_events(request: Request) -> Response:
        body = (await request.body()).decode("utf-8", errors="replace")
        bolt_request = BoltRequest(
            body=body,
            query=request.url.query,
            headers={k: v for k, v in request.headers.items()},
        )
        if inline is not None and inline(body):
            bolt_response = app.dispatch(bolt_request)
        else:
            bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        return Response(
            status_code=bolt_response.status,
            content=bolt_response.body,
            headers={k: v[0] for k, v in bolt_response.headers.items() if v},
        )

    async def healthz(_request: Request) -> Response:
        try:
            await run_in_threadpool(ping, engine)
        except Exception as err:  # any database failure means "not healthy"
            logger.warning("healthz: database unreachable: %s", err)
            return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
        return JSONResponse({"ok": True})

    return Starlette(
        lifespan=lifespan,
        routes=[
            Route(EVENTS_PATH, slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
    )
