"""Benchmark: `/track start|stop` at concurrency 64 on SQLite and PostgreSQL beside the fastest
bare Bolt servings, and two `punchcard serve` processes on one PostgreSQL database beside one.

    python bench/track_scale.py [--requests 12288] [--concurrency 64] [--rounds 8] [--warmup 256]
        [--postgres URL] [--bare 2] [--settle 2.5] [--pin servers|pair|none]
        [--loadgen-mode threads|epoll] [--loadgen-cpus 0,1] [--serve-cmd CMD]
        [--only sqlite|postgres ...]

One run starts, on 127.0.0.1 only (bench/track_compare.py's fake Web API, firm and workload):
- the fastest bare servings track_compare.py found (bench/bare_app.py: a raw ASGI callable
  and a Starlette endpoint, dispatch inline on the loop, pbr, httptools+uvloop; ``--bare N``
  takes the first N of its four httptools+uvloop servings, fastest first);
- `punchcard serve` on a fresh SQLite file, after `punchcard import` of a firm with one person
  per worker;
- two `punchcard serve` processes, A and B, on one throwaway PostgreSQL database (``--postgres``,
  default PUNCHCARD_TEST_POSTGRES_URL or postgres@127.0.0.1:5432/test; '' skips it), the firm
  imported once;
- bench/loadgen_ports.py in its own process: one process, one thread per worker as
  bench/loadgen.py (``--loadgen-mode epoll``: one thread for all), its own CPU printed.

Variants, each measured in the same alternating rounds (order reversed every other round;
each Punchcard round followed by ``--settle`` seconds for its after-ack work): the bare
servings; Punchcard on SQLite; Punchcard on PostgreSQL (process A, all C workers); and
Punchcard x2 on PostgreSQL (A and B, worker i on ``ports[i % 2]``: C/2 each, the same total).
Every worker is its own person alternating `/track start BENCH-<k> bench work` and `/track
stop`, each body fresh (a replay would be answered empty). Every response must be HTTP 200,
and Punchcard's `text` must not be empty or a warning.

The box has two cores, shared by the servers, PostgreSQL and the load generator. By default
(``--pin servers``) every server process, all its threads, is pinned to one CPU: serve B to
CPU 1, everything else (bare apps, SQLite serve, serve A, which is also the one-process
variant) to CPU 0, as one process per core is deployed. Unpinned, the kernel moves a serve
process's threads between the cores at each GIL hand-off: the one PostgreSQL process then
spends ~30% more CPU per request and varies ~2x from run to run, while the bare apps and
SQLite serve (one thread each) are the same pinned or not. PostgreSQL (a server others use)
and the load generator (a few hundredths of a core; ``--loadgen-cpus`` to pin it) float.

Printed: per database, p50/p90/p99/max, throughput, the servers' CPU per request and
PostgreSQL's (the backends of the throwaway database and the server's own processes), and
`punchcard p99 / fastest bare p99` (target <= 3); then the two-process table: throughput of
each, its ratio over all rounds and per round (target >= 1.5), where the box's cores went
during the rounds (the variant's serve processes, PostgreSQL, the load generator, this run's
idle servers, anything else: other people's work on the box) and CPU per request, and the
throughput the box's cores would allow at the one-process CPU per request (the ceiling of
the ratio when serve, PostgreSQL and the load generator share the cores). ``--serve-cmd``
runs Punchcard's servers through another command (bench/track_scale_probe.py).
The bare servings touch no database: the same bare rows are the baseline of both databases.
Exits 1 if any request failed, else 0 whatever the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness
import track_compare as tc

HERE = Path(__file__).resolve().parent
# track_compare.py's httptools+uvloop bare servings, fastest first (its runs at concurrency 16
# and 64: p99 and throughput both order them so).
BARE = [
    ("bare: raw ASGI inline, pbr, httptools+uvloop", ["--serving", "asgi-inline", "--pbr"]),
    ("bare: inline on loop, pbr, httptools+uvloop", ["--serving", "inline", "--pbr"]),
    ("bare: raw ASGI, pbr, httptools+uvloop", ["--serving", "asgi", "--pbr"]),
    ("bare: thread pool, pbr, httptools+uvloop", ["--serving", "threadpool", "--pbr"]),
]
IO = ["--http", "httptools", "--loop", "uvloop"]
SQLITE = "punchcard serve (SQLite)"
PG_ONE = "punchcard serve (PostgreSQL), 1 process"
PG_TWO = "punchcard serve (PostgreSQL), 2 processes"


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path | None
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None


@dataclass
class Variant:
    name: str
    servers: list[Server]
    check: str | None = None
    database: str = ""  # "" (bare), "sqlite" or "postgres"
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    first_failure: str | None = None
    elapsed: float = 0.0
    server_cpu: float = 0.0  # CPU seconds of its server processes during measured rounds
    pg_cpu: float = 0.0  # of PostgreSQL meanwhile (our database's backends and the server's own processes)
    loadgen_cpu: float = 0.0
    idle_cpu: float = 0.0  # of this run's other servers (idle, or finishing after-ack work)
    box_busy: float = 0.0  # CPU seconds the whole machine was busy meanwhile (/proc/stat)
    round_rps: list[float] = field(default_factory=list)

    @property
    def bare(self) -> bool:
        return not self.database

    @property
    def ports(self) -> list[int]:
        return [s.port for s in self.servers]

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed


# --- CPU accounting -----------------------------------------------------------------------


def postgres_cpu(database: str) -> float:
    """CPU seconds so far of the local PostgreSQL server's processes that work for us: the
    backends of ``database`` and the server's own (postmaster, WAL writer, checkpointer...),
    not other databases' backends (other people's tests share this server). 0 when the
    server is not on this machine."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        backend = _BACKEND.search(title)
        if backend is None or backend.group(2) == database:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


# A backend's process title: "postgres: 15/main: USER DATABASE HOST(PORT) STATE".
_BACKEND = re.compile(r"postgres: (?:[^:]+: )?(\S+) (\S+) (?:[\d.:a-fA-F]+\(\d+\)|\[local\])")


def box_busy() -> float:
    """CPU seconds all cores of the machine have spent busy (not idle or iowait) so far."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process so far (its threads included)."""
    return tc.cpu_seconds(pid)


# --- servers and load ---------------------------------------------------------------------


class LoadGen:
    """bench/loadgen_ports.py in its own process, fed one job per line."""

    def __init__(self, cpus: set[int] | None) -> None:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        self.proc = subprocess.Popen([sys.executable, str(HERE / "loadgen_ports.py")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, text=True, cwd=HERE)  # fmt: skip
        if cpus:
            os.sched_setaffinity(self.proc.pid, cpus)

    def run(self, ports: list[int], workers: list[list[str]], check: str | None, mode: str) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        job = {"ports": ports, "secret": tc.SECRET, "workers": workers, "check": check, "mode": mode}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"load generator exited with {self.proc.wait()}")
        return dict(json.loads(line))


def start(servers: list[Server], procs: list[subprocess.Popen[Any]], workdir: Path) -> None:
    ports = tc.free_ports(len(servers))
    for i, (s, port) in enumerate(zip(servers, ports, strict=True)):
        s.port, s.log = port, workdir / f"server-{i}.log"
        with s.log.open("wb") as log:
            s.proc = subprocess.Popen([*s.argv, "--port", str(port)], cwd=s.cwd, env=s.env, stdout=log,
                                      stderr=subprocess.STDOUT)  # fmt: skip
        procs.append(s.proc)
    for s in servers:
        wait_healthy(s)


def wait_healthy(s: Server) -> None:
    # track_compare's wait_healthy reads name, port, proc and log: a Server has them all.
    tc.wait_healthy(s)  # type: ignore[arg-type]


def pin(pid: int, cpus: set[int]) -> None:
    """Pin every thread of a process (as ``taskset -a -p``); threads it makes later inherit."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(ProcessLookupError, FileNotFoundError):  # a thread that ended meanwhile
            os.sched_setaffinity(int(task.name), cpus)


def log_tail(s: Server) -> str:
    return s.log.read_text(errors="replace")[-2000:] if s.log and s.log.exists() else ""


def import_firm(api: str, url: str, people: int, workdir: Path) -> None:
    (workdir / "firm.yaml").write_text(tc.firm_yaml(people))
    done = subprocess.run([*tc.punchcard_argv(), "import", "firm.yaml"], cwd=workdir,
                          env=tc.child_env(api, url), capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise SystemExit(f"punchcard import failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def measure(
    v: Variant,
    everyone: list[Server],
    loadgen: LoadGen,
    requests: int,
    concurrency: int,
    mode: str,
    database: str,
) -> dict[str, Any]:
    """One round of ``v``: fresh bodies (the replay guard answers a repeat empty)."""
    procs = [s.proc for s in v.servers if s.proc is not None]
    others = [s.proc for s in everyone if s.proc is not None and s not in v.servers]
    before = [tree_cpu(p.pid) for p in procs]
    idle0 = sum(tree_cpu(p.pid) for p in others)
    pg0, box0 = postgres_cpu(database), box_busy()
    r = loadgen.run(v.ports, tc.workload(requests, concurrency), v.check, mode)
    v.server_cpu += sum(tree_cpu(p.pid) for p in procs) - sum(before)
    v.idle_cpu += sum(tree_cpu(p.pid) for p in others) - idle0
    v.pg_cpu += postgres_cpu(database) - pg0
    v.loadgen_cpu += r["cpu_s"]  # its own count, over the timed job (not building the requests)
    v.box_busy += box_busy() - box0
    v.latencies += r["latencies_ms"]
    v.failures += r["failures"]
    v.elapsed += r["elapsed_s"]
    v.first_failure = v.first_failure or r["first_failure"]
    v.round_rps.append(len(r["latencies_ms"]) / r["elapsed_s"])
    return r


# --- report -------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    return tc.pct(values, p)


def per_request_us(seconds: float, v: Variant) -> float:
    return seconds / len(v.latencies) * 1e6


def table(vs: list[Variant]) -> None:
    print(f"  {'variant':<46} {'requests':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'req/s':>6} {'srv µs/req':>10} {'pg µs/req':>9} {'failed':>6}")  # fmt: skip
    for v in vs:
        lat = v.latencies
        pg = f"{per_request_us(v.pg_cpu, v):9.0f}" if v.database == "postgres" else f"{'':>9}"
        print(f"  {v.name:<46} {len(lat):8d} {statistics.median(lat):7.2f} {pct(lat, 90):7.2f} {pct(lat, 99):7.2f} "
              f"{max(lat):7.2f} {v.rps:6.0f} {per_request_us(v.server_cpu, v):10.0f} {pg} {v.failures:6d}")  # fmt: skip


def p99_target(label: str, bare: list[Variant], ours: Variant) -> None:
    fastest = min(bare, key=lambda v: pct(v.latencies, 99))
    ratio = pct(ours.latencies, 99) / pct(fastest.latencies, 99)
    verdict = "met" if ratio <= 3.0 else "MISSED"
    print(f"  {label}: punchcard p99 {pct(ours.latencies, 99):.2f} ms / fastest bare p99 "
          f"{pct(fastest.latencies, 99):.2f} ms ({fastest.name[6:]}) = {ratio:.2f} (target <= 3.00: {verdict})")  # fmt: skip


def cores(v: Variant) -> str:
    other = v.box_busy - v.server_cpu - v.pg_cpu - v.loadgen_cpu - v.idle_cpu
    return (f"{v.server_cpu / v.elapsed:5.2f} {v.pg_cpu / v.elapsed:5.2f} {v.loadgen_cpu / v.elapsed:5.2f} "
            f"{v.idle_cpu / v.elapsed:5.2f} {max(0.0, other) / v.elapsed:5.2f} {v.box_busy / v.elapsed:5.2f}")  # fmt: skip


def scale_report(one: Variant, two: Variant, concurrency: int) -> None:
    print(f"\nPostgreSQL, one database, {concurrency} workers in total: one `punchcard serve` beside two")
    print(f"  {'variant':<46} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>6}   cores busy: {'serve':>5} {'pg':>5} "
          f"{'load':>5} {'idle':>5} {'other':>5} {'box':>5}   µs CPU/req: {'serve':>5} {'pg':>5} {'load':>5}")  # fmt: skip
    for v in (one, two):
        print(f"  {v.name:<46} {statistics.median(v.latencies):7.2f} {pct(v.latencies, 99):7.2f} {v.rps:6.0f}"
              f"               {cores(v)}                {per_request_us(v.server_cpu, v):5.0f} "
              f"{per_request_us(v.pg_cpu, v):5.0f} {per_request_us(v.loadgen_cpu, v):5.0f}")  # fmt: skip
    ratio = two.rps / one.rps
    rounds = [b / a for a, b in zip(one.round_rps, two.round_rps, strict=True)]
    verdict = "met" if ratio >= 1.5 else "MISSED"
    print(
        f"  two processes / one, throughput = {ratio:.2f} (target >= 1.50: {verdict}); per round: "
        + ", ".join(f"{x:.2f}" for x in rounds)
        + f" (median {statistics.median(rounds):.2f})"
    )
    n = os.cpu_count() or 1
    busy = two.box_busy / two.elapsed
    per_request = (one.server_cpu + one.pg_cpu + one.loadgen_cpu) / len(one.latencies)
    print(f"  the box has {n} cores: with two processes {busy:.2f} were busy ({busy / n:.0%}); at one process's "
          f"CPU per request (serve + pg + load, {per_request * 1e6:.0f} µs) {n} cores serve at most "
          f"{n / per_request:.0f} req/s = {n / per_request / one.rps:.2f}x one process")  # fmt: skip


# --- main ---------------------------------------------------------------------------------


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def cpu_list(text: str) -> set[int]:
    out: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=12288, help="measured requests per variant")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--rounds", type=int, default=8, help="alternating rounds the requests are split into"
    )
    parser.add_argument("--warmup", type=int, default=256, help="unmeasured requests per variant first")
    parser.add_argument("--postgres", default=os.environ.get("PUNCHCARD_TEST_POSTGRES_URL")
                        or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server (a throwaway database is made on it); '' to skip")  # fmt: skip
    parser.add_argument("--bare", type=int, default=2, choices=range(1, len(BARE) + 1),
                        help="how many of the fastest bare servings to run beside (default 2)")  # fmt: skip
    parser.add_argument("--settle", type=float, default=2.5,
                        help="seconds to wait after each Punchcard round, for its after-ack work")  # fmt: skip
    parser.add_argument("--loadgen-mode", choices=("threads", "epoll"), default="threads")
    parser.add_argument("--loadgen-cpus", type=cpu_list, default=None,
                        help="pin the load generator to these CPUs (e.g. 1 or 0-1); default: unpinned")  # fmt: skip
    parser.add_argument("--pin", choices=("servers", "pair", "none"), default="servers",
                        help="servers (default): every server process pinned, all its threads, to one "
                             "CPU: PostgreSQL serve B to CPU 1, every other (bare apps, SQLite serve, "
                             "serve A: the one process) to CPU 0; pair: only A and B so; none: all "
                             "unpinned. PostgreSQL and the load generator are never pinned")  # fmt: skip
    parser.add_argument("--serve-cmd", default="",
                        help="run Punchcard's servers with this command instead of `punchcard` (its "
                             "argv, space-separated; `serve --port P` is appended): e.g. a probe that "
                             "patches something in before calling bot.cli.main")  # fmt: skip
    parser.add_argument("--only", nargs="*", choices=("sqlite", "postgres"), default=[],
                        help="only these databases' Punchcard variants (the bare ones always run)")  # fmt: skip
    args = parser.parse_args()
    for k in [k for k in os.environ if "proxy" in k.lower()]:
        del os.environ[k]  # 127.0.0.1 only, never through a proxy
    signal.signal(signal.SIGTERM, _interrupt)  # unwinds like Ctrl-C: the finally stops every child
    want = set(args.only or ("sqlite", "postgres"))
    if not args.postgres:
        want.discard("postgres")

    workdir = Path(tempfile.mkdtemp(prefix="punchcard-scale-"))
    procs: list[subprocess.Popen[Any]] = []
    try:
        with tc.fake_slack() as api, _pg_database(args.postgres if "postgres" in want else "") as pg_url:
            env = tc.child_env(api, f"sqlite:///{workdir / 'unused.db'}")
            env["PUNCHCARD_SCHEDULER"] = "off"
            bare_cmd = [sys.executable, str(HERE / "bare_app.py"), "--api", api, "--secret", tc.SECRET]
            vs = [Variant(name, [Server(name, [*bare_cmd, *flags, *IO], env, None)])
                  for name, flags in BARE[: args.bare]]  # fmt: skip
            # Paths in --serve-cmd are taken from here (the servers run in a temporary directory).
            cmd = [os.path.abspath(t) if os.path.exists(t) else t for t in args.serve_cmd.split()]
            serve = [*(cmd or tc.punchcard_argv()), "serve"]
            if "sqlite" in want:
                db = f"sqlite:///{workdir / 'sqlite' / 'bench.db'}"
                (workdir / "sqlite").mkdir()
                import_firm(api, db, args.concurrency, workdir / "sqlite")
                s = Server(SQLITE, serve, {**env, "DATABASE_URL": db}, workdir / "sqlite")
                vs.append(Variant(SQLITE, [s], check="slack_text", database="sqlite"))
            if "postgres" in want:
                (workdir / "pg").mkdir()
                import_firm(api, pg_url, args.concurrency, workdir / "pg")
                a = Server("serve A", serve, {**env, "DATABASE_URL": pg_url}, workdir / "pg")
                b = Server("serve B", serve, {**env, "DATABASE_URL": pg_url}, workdir / "pg")
                vs.append(Variant(PG_ONE, [a], check="slack_text", database="postgres"))
                vs.append(Variant(PG_TWO, [a, b], check="slack_text", database="postgres"))
            pg_name = pg_url.rsplit("/", 1)[1].split("?")[0] if pg_url else ""
            servers = list({id(s): s for v in vs for s in v.servers}.values())
            start(servers, procs, workdir)
            time.sleep(0.5)
            for s in servers:  # one that lost its port to another server would have exited by now
                assert s.proc is not None
                if s.proc.poll() is not None:
                    raise SystemExit(f"{s.name}: exited with {s.proc.returncode}\n{log_tail(s)}")
            for s in servers:
                assert s.proc is not None
                paired = any(v.name == PG_TWO and s in v.servers for v in vs)
                if args.pin == "servers" or (args.pin == "pair" and paired):
                    pin(s.proc.pid, {1 % (os.cpu_count() or 1) if s.name == "serve B" else 0})
            loadgen = LoadGen(args.loadgen_cpus)
            procs.append(loadgen.proc)
            mode = args.loadgen_mode

            for v in vs:
                r = loadgen.run(v.ports, tc.workload(args.warmup, args.concurrency), v.check, mode)
                v.failures += r["failures"]
                v.first_failure = v.first_failure or r["first_failure"]
            time.sleep(args.settle)  # the warm-up's Home tabs, before the first round
            print(f"warm-up done ({args.warmup} requests each)", file=sys.stderr)
            per_round = max(2, args.requests // args.rounds)
            for n in range(args.rounds):
                for v in vs if n % 2 == 0 else vs[::-1]:
                    measure(v, servers, loadgen, per_round, args.concurrency, mode, pg_name)
                    if not v.bare:
                        # Punchcard's after-ack work (Home tabs, coalesced over 2 s) is done
                        # before the next variant's round, not during it.
                        time.sleep(args.settle)
                print(f"round {n + 1}/{args.rounds} done", file=sys.stderr)
            for s in servers:
                assert s.proc is not None
                if s.proc.poll() is not None:
                    for v in vs:
                        if s in v.servers:
                            v.failures += 1
                            v.first_failure = v.first_failure or f"{s.name} exited with {s.proc.returncode}"

            lg_affinity = sorted(args.loadgen_cpus) if args.loadgen_cpus else sorted(os.sched_getaffinity(0))
            print(f"/track start|stop, concurrency {args.concurrency} (each worker its own person), "
                  f"{args.rounds} alternating rounds of {per_round} requests per variant, "
                  f"PUNCHCARD_SCHEDULER=off; {checkout()}")  # fmt: skip
            pinned = {"servers": "every server on CPU 0, PostgreSQL serve B on CPU 1",
                      "pair": "PostgreSQL serve A on CPU 0, B on CPU 1, the others unpinned",
                      "none": "none"}[args.pin]  # fmt: skip
            print(f"servers pinned: {pinned}; PostgreSQL and the load generator unpinned")
            threads = args.concurrency if mode == "threads" else 1
            lg_cores = max(v.loadgen_cpu / v.elapsed for v in vs)
            print(f"load generator: 1 process ({mode}: {threads} thread{'s' * (threads > 1)}), "
                  f"allowed CPUs {lg_affinity} of {os.cpu_count()}, "
                  f"busy {min(v.loadgen_cpu / v.elapsed for v in vs):.2f}-{lg_cores:.2f} cores during rounds, "
                  f"{min(per_request_us(v.loadgen_cpu, v) for v in vs):.0f}-"
                  f"{max(per_request_us(v.loadgen_cpu, v) for v in vs):.0f} µs CPU per request")  # fmt: skip
            bare = [v for v in vs if v.bare]
            for label, name in (("SQLite", SQLITE), ("PostgreSQL", PG_ONE)):
                ours = [v for v in vs if v.name == name]
                if not ours:
                    continue
                print(f"\n{label} (the bare servings touch no database: the same rows on both)")
                table([*bare, *ours])
                p99_target(label, bare, ours[0])
            one = next((v for v in vs if v.name == PG_ONE), None)
            two = next((v for v in vs if v.name == PG_TWO), None)
            if one and two:
                scale_report(one, two, args.concurrency)
            if "postgres" not in want and not args.only:
                print("\nPostgreSQL: skipped (--postgres '')")
            for v in vs:
                if v.first_failure:
                    print(f"{v.name}: {v.failures} failed; first: {v.first_failure}")
                    for s in v.servers:
                        print(f"--- {s.name}: server log (tail) ---\n{log_tail(s)}", file=sys.stderr)
            return 1 if any(v.failures for v in vs) else 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        tc.stop(procs)
        shutil.rmtree(workdir, ignore_errors=True)


def checkout() -> str:
    """Which code was measured: the commit, and whether the checkout differs from it."""

    def git(*argv: str) -> str:
        done = subprocess.run(["git", *argv], cwd=harness.ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else "?"

    changed = [
        line
        for line in git("status", "--porcelain").splitlines()
        if line[3:].startswith(("bot/", "storage/"))
    ]
    return f"commit {git('rev-parse', '--short', 'HEAD')}" + (
        f" with {len(changed)} files of bot/ and storage/ changed" if changed else ""
    )


def _pg_database(base: str) -> Any:
    if not base:
        return contextlib.nullcontext("")
    sys.path.insert(0, str(harness.ROOT))
    return harness.postgres_url(base)


if __name__ == "__main__":
    sys.exit(main())
