"""Shared plumbing for the benchmarks: a minimal Slack Web API, servers in subprocesses,
signed requests, a closed-loop load generator and percentiles. Stdlib only."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"
TOKEN = "xoxb-bench"
PUNCHCARD = [sys.executable, "-m", "bot.cli"]

# A bare Bolt app served the fastest way we found (bench/track_compare.py): a raw ASGI callable
# on uvicorn (httptools and uvloop, which are installed with Punchcard) with App.dispatch
# called on the event loop and process_before_response=True, so the ack needs no polling.
# argv: api_url secret port kind [serving]: kind "command" (acks /track), "options" or
# "action"; serving "fast" (default), "threadpool" (dispatch on the thread pool,
# process_before_response=False: Bolt polls for the ack every 10 ms) or "stock" (Bolt's
# Starlette adapter, dispatch on the loop).
BARE_APP = r"""
import sys, uvicorn
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

api, secret, port, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
serving = sys.argv[5] if len(sys.argv) > 5 else "fast"
app = App(signing_secret=secret, client=WebClient(token="xoxb-bench", base_url=api),
          process_before_response=(serving == "fast"), token_verification_enabled=False)
OPTIONS = [{"text": {"type": "plain_text", "text": f"P-{i:04d} · Project {i}"}, "value": str(i)} for i in range(100)]

if kind == "options":
    @app.options("project_select")
    def options(ack):
        ack(options=OPTIONS)
elif kind == "action":
    @app.action("approve_all")
    def approve(ack):
        ack()
else:
    @app.command("/track")
    def track(ack):
        ack(response_type="ephemeral", text="ok")

async def events(request):
    body = (await request.body()).decode()
    req = BoltRequest(body=body, query=request.url.query, headers=dict(request.headers))
    resp = app.dispatch(req) if serving == "fast" else await run_in_threadpool(app.dispatch, req)
    return Response(status_code=resp.status, content=resp.body, headers={k: v[0] for k, v in resp.headers.items() if v})

if serving == "stock":  # Bolt's own Starlette adapter: dispatch runs on the event loop
    from slack_bolt.adapter.starlette import SlackRequestHandler
    handler = SlackRequestHandler(app)
    async def events(request):
        return await handler.handle(request)

async def healthz(request):
    return Response("ok")

site = Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)])

async def fast(scope, receive, send):  # raw ASGI, dispatch on the loop: the fastest serving found
    if serving != "fast" or scope["type"] != "http" or scope["path"] != "/slack/events":
        return await site(scope, receive, send)
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    resp = app.dispatch(BoltRequest(body=b"".join(chunks).decode(), query=scope["query_string"].decode(), headers=headers))
    body = resp.body.encode() if isinstance(resp.body, str) else resp.body
    out = [(k.lower().encode(), v[0].encode()) for k, v in resp.headers.items() if v and k.lower() != "content-length"]
    out.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": resp.status, "headers": out})
    await send({"type": "http.response.body", "body": body})

uvicorn.run(fast, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")
"""


class _FakeSlack(BaseHTTPRequestHandler):
    """Just enough of the Web API: auth.test, users.info, and ok for anything else."""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = {"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0FAKE", "team": "Bench",
                "url": "https://bench.slack.com/",
                "user": {"id": "U0X", "real_name": "Bench", "tz": "America/New_York"}}  # fmt: skip
        data = json.dumps(body).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # a server stopped mid-call: nobody to tell
            pass

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def fake_slack() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSlack)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(api: str, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api,
               DATABASE_URL=database_url, PYTHONPATH=str(ROOT))  # fmt: skip
    return env


@contextmanager
def servers(commands: list[tuple[list[str], Path | None, dict[str, str], int]]) -> Iterator[None]:
    """Start each (argv, cwd, env, port), wait for /healthz, and stop them all at the end."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for argv, cwd, env, port in commands:
            procs.append(subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))  # fmt: skip
            wait_healthy(port, procs[-1])
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on {port} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on {port} did not become healthy")


def signed(body: str, ts: int) -> dict[str, str]:
    mac = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={mac}",
            "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip


Check = Callable[[int, bytes], bool]


def load(port: int, per_worker: list[list[str]], check: Check | None = None) -> tuple[list[float], int]:
    """Closed loop: one keep-alive connection per worker, its bodies back to back, in order.

    Bodies are signed before the clock starts so the client spends little CPU while timing.
    """
    ts = int(time.time())
    prepared = [[(b.encode(), signed(b, ts)) for b in bodies] for bodies in per_worker]
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def worker(items: list[tuple[bytes, dict[str, str]]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        for body, headers in items:
            started = time.perf_counter()
            conn.request("POST", "/slack/events", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200 or (check is not None and not check(response.status, data)):
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=worker, args=(items,)) for items in prepared]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


Result = tuple[list[float], int, float]


def rounds(
    variants: list[tuple[str, Callable[[int], tuple[list[float], int]]]], total: int, n_rounds: int
) -> dict[str, Result]:
    """Run each variant's load ``n_rounds`` times, alternating, so noise on this shared box
    hits them alike; each variant's figures are over all its rounds."""
    results: dict[str, Result] = {name: ([], 0, 0.0) for name, _ in variants}
    per_round = max(1, total // n_rounds)
    for _ in range(n_rounds):
        for name, run in variants:
            started = time.perf_counter()
            latencies, failures = run(per_round)
            elapsed = time.perf_counter() - started
            old = results[name]
            results[name] = (old[0] + latencies, old[1] + failures, old[2] + elapsed)
    return results


def report(title: str, results: dict[str, Result], ours: str) -> int:
    print(title)
    print(
        f"{'variant':<40} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>8} {'failed':>7}"
    )
    for name, (latencies, failures, elapsed) in results.items():
        print(f"{name:<40} {len(latencies):8d} {statistics.median(latencies):8.2f} {percentile(latencies, 99):8.2f} "
              f"{max(latencies):8.2f} {len(latencies) / elapsed:8.0f} {failures:7d}")  # fmt: skip
    fastest = min((n for n in results if n != ours), key=lambda n: percentile(results[n][0], 99))
    ratio = percentile(results[ours][0], 99) / percentile(results[fastest][0], 99)
    print(f"{ours} p99 / fastest bare ({fastest}) p99 = {ratio:.2f} (target <= 3.00)")
    return 1 if any(f for _, f, _ in results.values()) else 0


@contextmanager
def postgres_url(base: str) -> Iterator[str]:
    """A database of its own on the PostgreSQL server at ``base``, dropped afterwards."""
    import uuid

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from storage.db import make_engine, normalize_url

    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    name = f"punchcard_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalize_url(base)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
