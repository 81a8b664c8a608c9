"""Benchmark: signed /track start|stop against `punchcard serve`, beside every bare Bolt serving
we could think of (to find the real floor), with the load generator in its own process.

    python bench/track_compare.py [--requests 2000] [--concurrency 16] [--rounds 4]
        [--warmup 100] [--extra-path DIR] [--threads N ...] [--only SUBSTRING ...] [--list]

One run starts, on 127.0.0.1 only:
- a fake Slack Web API (stdlib ThreadingHTTPServer: auth.test, users.info, else {"ok": true});
- `punchcard serve` on a fresh SQLite file, after `punchcard import` of a firm with 50
  projects (BENCH-1..BENCH-50) and one person per worker (U0BENCH01..), America/New_York;
- bare Bolt apps that only ack /track (bench/bare_app.py), one subprocess each: Bolt's stock
  Starlette adapter (with and without process_before_response), dispatch on Starlette's thread
  pool (with and without process_before_response), dispatch inline on the event loop, a raw
  ASGI app without Starlette, and, when httptools/uvloop can be imported (installed, or in
  --extra-path), the fast servings on uvicorn's httptools + uvloop, and Punchcard on them too;
- bench/loadgen.py in its own process: C workers, one keep-alive socket each, each its own
  person alternating `/track start BENCH-<k> bench work` and `/track stop`, bodies form-encoded
  and signed exactly as Slack does, all built before the clock starts.

Each variant gets a warm-up, then the same load in alternating rounds (noise on this shared
2-core box hits all variants alike). Every response must be HTTP 200, and Punchcard's JSON
`text` must not be empty or start with ":warning:". Prints p50/p90/p99/max and throughput per
variant, then `punchcard p99 / fastest bare p99`. Exits 0 whatever the ratio (a benchmark,
not a test), 1 if any request failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import random
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECRET = "bench-secret"
TOKEN = "xoxb-bench"
PROJECTS = 50
PUNCHCARD = "punchcard serve"  # the variant the ratio is about

# --- fake Slack Web API -------------------------------------------------------------------


class FakeSlack(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive for the bot's WebClient

    AUTH = {"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0FAKE", "team": "Fake",
            "url": "https://x.slack.com/"}  # fmt: skip
    USER = {"ok": True, "user": {"id": "U0BENCH", "name": "bench", "real_name": "Bench Person",
                                 "tz": "America/New_York", "tz_offset": -18000,
                                 "profile": {"real_name": "Bench Person", "display_name": "bench"}}}  # fmt: skip

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        method = self.path.split("?")[0].rsplit("/", 1)[-1]
        body = self.AUTH if method == "auth.test" else self.USER if method == "users.info" else {"ok": True}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def fake_slack() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSlack)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()


# --- servers ------------------------------------------------------------------------------


@dataclass
class Variant:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path | None = None
    check: str | None = None  # "slack_text" for Punchcard
    bare: bool = True
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0  # the server process's CPU seconds (user + system) during measured rounds
    first_failure: str | None = None


# Slack's requests are never the same twice (a fresh trigger or action time each):
# an identical signed body is a replay, which Punchcard ignores (bot.signing).
_unique = itertools.count(1)


def free_ports(n: int) -> list[int]:
    """n ports that can be bound now, below Linux's ephemeral range (32768+) so that no
    outgoing connection (the load generator's, the bots' to the fake Slack) takes one."""
    rng = random.Random()
    ports: list[int] = []
    while len(ports) < n:
        port = rng.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in ports:
            ports.append(port)
    return ports


def punchcard_argv() -> list[str]:
    script = Path(sys.executable).parent / "punchcard"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def child_env(api: str, database_url: str, extra_path: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api, DATABASE_URL=database_url,
               PYTHONUNBUFFERED="1")  # fmt: skip
    env["PYTHONPATH"] = os.pathsep.join(p for p in (extra_path, str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def wait_healthy(v: Variant, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline:
        assert v.proc is not None
        if v.proc.poll() is not None:
            raise SystemExit(
                f"{v.name}: exited with {v.proc.returncode} before /healthz answered\n{log_tail(v)}"
            )
        try:
            with opener.open(f"http://127.0.0.1:{v.port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{v.name}: /healthz did not answer 200 within {timeout:.0f} s\n{log_tail(v)}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc), 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_tail(v: Variant) -> str:
    return v.log.read_text(errors="replace")[-2000:] if v.log and v.log.exists() else ""


def stop(procs: list[subprocess.Popen[Any]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def fast_io_installed() -> bool:
    return all(importlib.util.find_spec(m) for m in ("uvloop", "httptools"))


def fast_io_path(extra_path: str | None) -> bool:
    return bool(extra_path) and all((Path(extra_path) / m).is_dir() for m in ("uvloop", "httptools"))


def variants(api: str, workdir: Path, extra_path: str | None, threads: list[int]) -> list[Variant]:
    db = f"sqlite:///{workdir / 'bench.db'}"
    env = child_env(api, db)
    fast_env = child_env(api, db, extra_path) if fast_io_path(extra_path) else env
    bare = [sys.executable, str(HERE / "bare_app.py"), "--api", api, "--secret", SECRET]
    out = [
        Variant("bare: stock Starlette adapter", [*bare, "--serving", "stock"], env),
        Variant("bare: stock adapter, pbr", [*bare, "--serving", "stock", "--pbr"], env),
        Variant("bare: thread pool", [*bare, "--serving", "threadpool"], env),
        Variant("bare: thread pool, pbr", [*bare, "--serving", "threadpool", "--pbr"], env),
        Variant("bare: thread pool(4), pbr, switch 1ms",
                [*bare, "--serving", "threadpool", "--pbr", "--threads", "4", "--switch-interval", "0.001"], env),
        Variant("bare: inline on loop, pbr", [*bare, "--serving", "inline", "--pbr"], env),
        Variant("bare: raw ASGI, thread pool, pbr", [*bare, "--serving", "asgi", "--pbr"], env),
        Variant("bare: raw ASGI inline, pbr", [*bare, "--serving", "asgi-inline", "--pbr"], env),
    ]  # fmt: skip
    if fast_io_installed() or fast_io_path(extra_path):
        io = ["--http", "httptools", "--loop", "uvloop"]
        out += [
            Variant("bare: thread pool, pbr, httptools+uvloop", [*bare, "--serving", "threadpool", "--pbr", *io], fast_env),
            Variant("bare: inline on loop, pbr, httptools+uvloop", [*bare, "--serving", "inline", "--pbr", *io], fast_env),
            Variant("bare: raw ASGI, pbr, httptools+uvloop", [*bare, "--serving", "asgi", "--pbr", *io], fast_env),
            Variant("bare: raw ASGI inline, pbr, httptools+uvloop", [*bare, "--serving", "asgi-inline", "--pbr", *io], fast_env),
        ]  # fmt: skip
    serve = [*punchcard_argv(), "serve"]
    out.append(Variant(PUNCHCARD, serve, env, cwd=workdir, check="slack_text", bare=False))
    for n in threads:  # punchcard serve --threads N (its default is 4)
        out.append(Variant(f"{PUNCHCARD} --threads {n}", [*serve, "--threads", str(n)], env, cwd=workdir,
                           check="slack_text", bare=False))  # fmt: skip
    if fast_io_path(extra_path) and not fast_io_installed():
        # uvicorn's default "auto" loop and http pick uvloop and httptools up when importable.
        out.append(Variant(f"{PUNCHCARD}, httptools+uvloop", serve, fast_env, cwd=workdir, check="slack_text",
                           bare=False))  # fmt: skip
    return out


# --- workload -----------------------------------------------------------------------------


def user(i: int) -> str:
    return f"U0BENCH{i + 1:02d}"


def firm_yaml(people: int) -> str:
    lines = ["workspace: {timezone: America/New_York, currency: USD}", "people:"]
    lines += [
        f"  - {{slack_id: {user(i)}, name: Bench {i + 1}, timezone: America/New_York}}" for i in range(people)
    ]
    lines += ["clients:", "  - name: Bench Client", "    projects:"]
    lines += [f"      - {{name: Bench matter {k}, code: BENCH-{k}}}" for k in range(1, PROJECTS + 1)]
    return "\n".join(lines) + "\n"


def command_body(user_id: str, text: str) -> str:
    return urllib.parse.urlencode({
        "token": "bench-verification-token", "team_id": "T0FAKE", "team_domain": "fake",
        "channel_id": "C0BENCH", "channel_name": "bench", "user_id": user_id, "user_name": user_id.lower(),
        "command": "/track", "text": text, "api_app_id": "A0BENCH",
        "response_url": "https://hooks.slack.com/commands/T0FAKE/1/bench", "trigger_id": f"{next(_unique)}.bench",
    })  # fmt: skip


def workload(requests: int, concurrency: int) -> list[list[str]]:
    """Per worker an even number of bodies, start then stop, so every batch ends stopped."""
    per = max(2, -(-requests // concurrency))
    per += per % 2
    return [
        [command_body(user(w), f"start BENCH-{w % PROJECTS + 1} bench work" if i % 2 == 0 else "stop")
         for i in range(per)]
        for w in range(concurrency)
    ]  # fmt: skip


class LoadGen:
    """bench/loadgen.py in its own process, fed one job per line."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        self.proc = subprocess.Popen([sys.executable, str(HERE / "loadgen.py")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, text=True)  # fmt: skip

    def run(self, port: int, workers: list[list[str]], check: str | None) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        job = {"port": port, "secret": SECRET, "workers": workers, "check": check}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"load generator exited with {self.proc.wait()}")
        return dict(json.loads(line))


# --- report -------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(vs: list[Variant], concurrency: int, rounds: int) -> None:
    print(
        f"/track start|stop, concurrency {concurrency}, {rounds} alternating rounds, load generator in its own process"
    )
    print(f"{'variant':<46} {'requests':>8} {'conc':>4} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7} {'req/s':>6} {'cpu µs/req':>10} {'failed':>6}")  # fmt: skip
    for v in vs:
        lat = v.latencies
        print(f"{v.name:<46} {len(lat):8d} {concurrency:4d} {statistics.median(lat):7.2f} {pct(lat, 90):7.2f} "
              f"{pct(lat, 99):7.2f} {max(lat):7.2f} {len(lat) / v.elapsed:6.0f} {v.cpu / len(lat) * 1e6:10.0f} "
              f"{v.failures:6d}")  # fmt: skip
    bare = [v for v in vs if v.bare]
    ours = [v for v in vs if not v.bare]
    if bare and ours:
        fastest = min(bare, key=lambda v: pct(v.latencies, 99))
        by_rps = max(bare, key=lambda v: len(v.latencies) / v.elapsed)
        print(f"fastest bare by p99: {fastest.name}; by throughput: {by_rps.name}")
        for v in ours:
            label = "punchcard" if v.name == PUNCHCARD else v.name
            ratio = pct(v.latencies, 99) / pct(fastest.latencies, 99)
            print(f"{label} p99 / fastest bare p99 = {ratio:.2f} (target <= 3.00)")
    for v in vs:
        if v.first_failure:
            print(f"{v.name}: {v.failures} failed; first: {v.first_failure}")


# --- main ---------------------------------------------------------------------------------


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per variant")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=4, help="alternating rounds the requests are split into"
    )
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests per variant first")
    parser.add_argument("--extra-path", default=os.environ.get("BENCH_EXTRA_PATH"),
                        help="a directory holding uvloop and httptools (pip install --target DIR uvloop "
                             "httptools), put on PYTHONPATH for the httptools+uvloop variants only")  # fmt: skip
    parser.add_argument("--threads", type=int, nargs="*", default=[],
                        help="also run `punchcard serve --threads N` for each N (its default is 4)")  # fmt: skip
    parser.add_argument(
        "--only", nargs="*", default=[], help="only variants whose name contains one of these"
    )
    parser.add_argument("--settle", type=float, default=2.5,
                        help="seconds to wait after each Punchcard round, for its after-ack work")  # fmt: skip
    parser.add_argument("--list", action="store_true", help="list the variants and exit")
    args = parser.parse_args()
    for k in [k for k in os.environ if "proxy" in k.lower()]:
        del os.environ[k]  # 127.0.0.1 only, never through a proxy
    signal.signal(signal.SIGTERM, _interrupt)  # unwinds like Ctrl-C: the finally stops every child

    workdir = Path(tempfile.mkdtemp(prefix="punchcard-bench-"))
    procs: list[subprocess.Popen[Any]] = []
    try:
        with fake_slack() as api:
            vs = variants(api, workdir, args.extra_path, args.threads)
            if args.only:
                vs = [v for v in vs if any(s.lower() in v.name.lower() for s in args.only)]
            if args.list or not vs:
                print("\n".join(v.name for v in vs))
                return 0
            if any(not v.bare for v in vs):
                (workdir / "firm.yaml").write_text(firm_yaml(args.concurrency))
                done = subprocess.run([*punchcard_argv(), "import", "firm.yaml"], cwd=workdir,
                                      env=child_env(api, f"sqlite:///{workdir / 'bench.db'}"),
                                      capture_output=True, text=True)  # fmt: skip
                if done.returncode:
                    raise SystemExit(
                        f"punchcard import failed ({done.returncode}):\n{done.stdout}{done.stderr}"
                    )
            for i, v in enumerate(vs):
                if not v.bare:  # each its own copy of the firm: two processes never share a file
                    shutil.copy(workdir / "bench.db", workdir / f"bench-{i}.db")
                    v.env = {**v.env, "DATABASE_URL": f"sqlite:///{workdir / f'bench-{i}.db'}"}
            for i, (v, port) in enumerate(zip(vs, free_ports(len(vs)), strict=True)):
                v.port, v.log = port, workdir / f"server-{i}.log"
                with v.log.open("wb") as log:  # all up at once; an idle server costs nothing
                    v.proc = subprocess.Popen([*v.argv, "--port", str(port)], cwd=v.cwd, env=v.env,
                                              stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
                procs.append(v.proc)
            for v in vs:
                wait_healthy(v)
            time.sleep(0.5)
            for v in vs:  # one that lost its port to another server would have exited by now
                assert v.proc is not None
                if v.proc.poll() is not None:
                    raise SystemExit(f"{v.name}: exited with {v.proc.returncode}\n{log_tail(v)}")
            loadgen = LoadGen()
            procs.append(loadgen.proc)

            for v in vs:
                r = loadgen.run(v.port, workload(args.warmup, args.concurrency), v.check)
                v.failures += r["failures"]
                v.first_failure = v.first_failure or r["first_failure"]
            if any(not v.bare for v in vs):
                time.sleep(args.settle)  # the warm-up's Home tabs, before the first round
            print(f"warm-up done ({args.warmup} requests each)", file=sys.stderr)
            per_round = workload(max(1, args.requests // args.rounds), args.concurrency)
            for n in range(args.rounds):
                for v in vs if n % 2 == 0 else vs[::-1]:
                    assert v.proc is not None
                    before = cpu_seconds(v.proc.pid)
                    r = loadgen.run(v.port, per_round, v.check)
                    v.cpu += cpu_seconds(v.proc.pid) - before
                    if not v.bare:
                        # Work Punchcard does after its acks (Home tabs, coalesced over 2 s) is
                        # done before the next variant's round, not during it.
                        time.sleep(args.settle)
                    v.latencies += r["latencies_ms"]
                    v.failures += r["failures"]
                    v.elapsed += r["elapsed_s"]
                    v.first_failure = v.first_failure or r["first_failure"]
                print(f"round {n + 1}/{args.rounds} done", file=sys.stderr)
            for v in vs:
                assert v.proc is not None
                if v.proc.poll() is not None:
                    v.failures += 1
                    v.first_failure = v.first_failure or f"server exited with {v.proc.returncode}"
            report(vs, args.concurrency, args.rounds)
            for v in vs:
                if v.failures:
                    print(f"--- {v.name}: server log (tail) ---\n{log_tail(v)}", file=sys.stderr)
            return 1 if any(v.failures for v in vs) else 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        stop(procs)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
