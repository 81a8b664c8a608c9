"""Benchmark: the project type-ahead (block_suggestion) over 5,000 projects, against a bare Bolt app.

In one run: `punchcard serve` on a SQLite file with 5,000 projects, and a bare Bolt app that
answers the same signed request with a constant list of 100 options, served the same fast way
(dispatch on a thread pool, process_before_response). Both get N requests at concurrency C;
the script prints p50/p99 for each and their ratio (target: Punchcard p99 <= 3x the bare p99).

    python bench/options_load.py [--requests 5000] [--concurrency 8] [--projects 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"
TOKEN = "xoxb-bench"
QUERIES = [
    "",
    "p",
    "pr",
    "proj",
    "project 1",
    "project 12",
    "CL-01",
    "cl-02-0",
    "matter",
    "zz",
    "project 499",
]

BARE_APP = r"""
import sys, uvicorn
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

api, secret, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = App(signing_secret=secret, client=WebClient(token="xoxb-bench", base_url=api),
          process_before_response=True, token_verification_enabled=False)
OPTIONS = [{"text": {"type": "plain_text", "text": f"P-{i:04d} · Project {i}"}, "value": str(i)} for i in range(100)]

@app.options("project_select")
def options(ack):
    ack(options=OPTIONS)

async def events(request):
    body = (await request.body()).decode()
    resp = await run_in_threadpool(app.dispatch, BoltRequest(body=body, query=request.url.query, headers=dict(request.headers)))
    return Response(status_code=resp.status, content=resp.body, headers={k: v[0] for k, v in resp.headers.items() if v})

async def healthz(request):
    return Response("ok")

uvicorn.run(Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)]),
            host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""


class FakeSlack(BaseHTTPRequestHandler):
    """Just enough of the Web API for the bot to start: auth.test and an ok for anything else."""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = {"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0FAKE", "team": "Bench",
                "url": "https://bench.slack.com/"}  # fmt: skip
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def firm_yaml(projects: int) -> str:
    lines = ["workspace: {timezone: America/New_York, currency: USD}",
             "people: [{slack_id: U0BENCH, name: Bench Person, timezone: America/New_York}]", "clients:"]  # fmt: skip
    per_client = 100
    for c in range(projects // per_client):
        lines.append(f"  - name: Client {c:02d}")
        lines.append("    projects:")
        for p in range(per_client):
            n = c * per_client + p
            lines.append(f"      - {{name: Project {n} matter, code: CL-{c:02d}-{p:03d}}}")
    return "\n".join(lines) + "\n"


def body_for(query: str) -> str:
    payload = {
        "type": "block_suggestion", "user": {"id": "U0BENCH", "team_id": "T0FAKE"}, "team": {"id": "T0FAKE"},
        "api_app_id": "A0BENCH", "token": "x", "action_id": "project_select", "block_id": "project",
        "value": query, "view": {"id": "V0BENCH", "type": "modal", "callback_id": "entry_modal"},
    }  # fmt: skip
    return "payload=" + urllib.parse.quote(json.dumps(payload))


def signed(body: str, ts: int) -> dict[str, str]:
    mac = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={mac}",
            "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip


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


def load(port: int, requests: int, concurrency: int, *, check: bool) -> tuple[list[float], int]:
    """Closed loop: each worker keeps one connection and sends its share back to back."""
    ts = int(time.time())
    bodies = [body_for(QUERIES[i % len(QUERIES)]) for i in range(requests)]
    prepared = [(b.encode(), signed(b, ts)) for b in bodies]
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        for body, headers in prepared[index::concurrency]:
            started = time.perf_counter()
            conn.request("POST", "/slack/events", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200 or (check and "options" not in json.loads(data)):
                with lock:
                    failures[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="punchcard-bench-"))
    fake = ThreadingHTTPServer(("127.0.0.1", 0), FakeSlack)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    api = f"http://127.0.0.1:{fake.server_address[1]}/api/"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api,
               DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}", PYTHONPATH=str(ROOT))  # fmt: skip
    (workdir / "firm.yaml").write_text(firm_yaml(args.projects))
    cli = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*cli, "import", "firm.yaml"], cwd=workdir, env=env, check=True, capture_output=True)

    procs: list[subprocess.Popen[bytes]] = []
    try:
        ours, bare = free_port(), free_port()
        procs.append(subprocess.Popen([*cli, "serve", "--port", str(ours)], cwd=workdir, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        procs.append(subprocess.Popen([sys.executable, "-c", BARE_APP, api, SECRET, str(bare)], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        wait_healthy(ours, procs[0])
        wait_healthy(bare, procs[1])
        results = {}
        for name, port in (("bare Bolt (constant list)", bare), ("punchcard (5,000 projects)", ours)):
            load(port, min(200, args.requests), args.concurrency, check=False)  # warm-up
            started = time.perf_counter()
            latencies, failures = load(
                port, args.requests, args.concurrency, check=name.startswith("punchcard")
            )
            elapsed = time.perf_counter() - started
            results[name] = (latencies, failures, elapsed)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        fake.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"block_suggestion over {args.projects:,} projects: {args.requests} requests, concurrency {args.concurrency}"
    )
    print(f"{'variant':<28} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>8} {'failed':>7}")
    for name, (latencies, failures, elapsed) in results.items():
        print(f"{name:<28} {statistics.median(latencies):8.2f} {percentile(latencies, 99):8.2f} "
              f"{max(latencies):8.2f} {len(latencies) / elapsed:8.0f} {failures:7d}")  # fmt: skip
    ours_p99 = percentile(results["punchcard (5,000 projects)"][0], 99)
    bare_p99 = percentile(results["bare Bolt (constant list)"][0], 99)
    print(f"punchcard p99 / bare p99 = {ours_p99 / bare_p99:.2f} (target <= 3.00)")
    return 1 if any(f for _, f, _ in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
