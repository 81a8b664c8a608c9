"""A bare Bolt app that only acks ``/track``: the floor Punchcard is measured against.

    python bench/bare_app.py --port P --api http://127.0.0.1:N/api/ [--secret S]
        [--serving stock|threadpool|inline|asgi|asgi-inline] [--pbr] [--threads N]
        [--http h11|httptools] [--loop asyncio|uvloop] [--switch-interval SECONDS]

Servings (all on uvicorn, Starlette unless noted):
- ``stock``: Bolt's own ``slack_bolt.adapter.starlette.SlackRequestHandler``, which calls the
  blocking ``App.dispatch`` on the event loop;
- ``threadpool``: ``App.dispatch`` on Starlette's thread pool (``run_in_threadpool``);
- ``inline``: ``App.dispatch`` called directly on the event loop from a plain endpoint;
- ``asgi``: a raw ASGI callable (no Starlette) with ``App.dispatch`` on anyio's thread pool;
- ``asgi-inline``: the same raw ASGI callable with ``App.dispatch`` called on the event loop.

``--pbr`` sets ``App(process_before_response=True)``: the listener runs on the request's
thread and the ack needs no polling (without it Bolt runs the listener on its own pool and
polls for the ack every 10 ms). With ``--pbr`` the ack answers a short ephemeral text.
``--http httptools`` / ``--loop uvloop`` need those packages importable (see ``--extra-path``
in track_compare.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import uvicorn
from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def bolt_app(args: argparse.Namespace) -> App:
    app = App(
        signing_secret=args.secret,
        client=WebClient(token="xoxb-bench", base_url=args.api),
        process_before_response=args.pbr,
        token_verification_enabled=False,
    )

    @app.command("/track")
    def track(ack: Any) -> None:
        if args.pbr:
            ack(response_type="ephemeral", text="ok")
        else:
            ack()

    return app


def to_response(resp: BoltResponse) -> Response:
    return Response(
        status_code=resp.status, content=resp.body, headers={k: v[0] for k, v in resp.headers.items() if v}
    )


def _lifespan(threads: int) -> Callable[[Any], Any]:
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        if threads:
            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def build(args: argparse.Namespace) -> Any:
    app = bolt_app(args)
    if args.serving in ("asgi", "asgi-inline"):
        return raw_asgi(app, args.threads, inline=args.serving == "asgi-inline")

    async def healthz(_request: Request) -> Response:
        return Response("ok")

    if args.serving == "stock":
        from slack_bolt.adapter.starlette import SlackRequestHandler

        handler = SlackRequestHandler(app)

        async def events(request: Request) -> Response:
            return await handler.handle(request)

    elif args.serving == "inline":

        async def events(request: Request) -> Response:
            body = (await request.body()).decode()
            req = BoltRequest(body=body, query=request.url.query, headers=dict(request.headers))
            return to_response(app.dispatch(req))

    else:  # threadpool

        async def events(request: Request) -> Response:
            body = (await request.body()).decode()
            req = BoltRequest(body=body, query=request.url.query, headers=dict(request.headers))
            return to_response(await run_in_threadpool(app.dispatch, req))

    return Starlette(
        lifespan=_lifespan(args.threads),
        routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)],
    )


def raw_asgi(app: App, threads: int, *, inline: bool = False) -> Any:
    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    if threads:
                        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["path"] != "/slack/events":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        req = BoltRequest(body=b"".join(chunks).decode(), query=scope.get("query_string", b"").decode(),
                          headers=headers)  # fmt: skip
        resp = app.dispatch(req) if inline else await anyio.to_thread.run_sync(app.dispatch, req)
        body = resp.body.encode() if isinstance(resp.body, str) else resp.body
        out = [(k.lower().encode(), v[0].encode()) for k, v in resp.headers.items()
               if v and k.lower() != "content-length"]  # fmt: skip
        out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": resp.status, "headers": out})
        await send({"type": "http.response.body", "body": body})

    return asgi


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api", required=True, help="the (fake) Slack Web API base URL")
    parser.add_argument("--secret", default="bench-secret")
    parser.add_argument(
        "--serving", choices=["stock", "threadpool", "inline", "asgi", "asgi-inline"], default="threadpool"
    )
    parser.add_argument("--pbr", action="store_true", help="App(process_before_response=True)")
    parser.add_argument("--threads", type=int, default=0, help="thread-pool size (0: anyio's default, 40)")
    parser.add_argument("--http", default="h11")
    parser.add_argument("--loop", default="asyncio")
    parser.add_argument(
        "--switch-interval", type=float, default=0.0, help="sys.setswitchinterval (0: leave it)"
    )
    args = parser.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    uvicorn.run(build(args), host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
                http=args.http, loop=args.loop, lifespan="on")  # fmt: skip


if __name__ == "__main__":
    main()
