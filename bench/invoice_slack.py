"""Benchmark: invoices asked for from Slack, against `punchcard serve`.

`punchcard serve` (SQLite, or `--postgres URL`) runs against the tests' fake Slack Web API
(tests/fakeslack.py, in this process: files_upload_v2's three steps included) with a firm of
CLIENTS + 1 clients, each with a billing channel and last month's time approved: ENTRIES
entries for the first, 40 for each of the others.

1. One month to the channel: `/track invoice "Client 0" last month` — its ack, and the time
   until files.completeUploadExternal shares the PDF in the client's channel and until the
   summary is posted (target: under 10 s). Baseline from the same run: WeasyPrint printing
   the very same invoice in this process (read back from the database afterwards).
2. CLIENTS invoices asked for at once (one request each, concurrently): every ack (target:
   under 300 ms) and the time until all of them arrive; meanwhile `/track status` is sent
   back to back and its acks are compared with the same probe while nothing is built (the
   PDFs are printed in a child process, not on the serving loop or Bolt's threads).
   Baseline: a bare Bolt app acking the same five concurrent commands.

    python bench/invoice_slack.py [--entries 200] [--clients 5] [--postgres URL]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import harness

sys.path.insert(0, str(harness.ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bot.invoice_words import last_month  # noqa: E402
from bot.services.freeze import freeze  # noqa: E402
from bot.services.importer import import_yaml  # noqa: E402
from bot.services.invoices.read import document  # noqa: E402
from bot.views import invoice as invoice_view  # noqa: E402
from storage.db import Database, make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import EntryStatus, Invoice, Person, Project, TimeEntry  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402

_unique = itertools.count(1)
PHRASE = "review revise draft call with client about the scope and the budget of the next phase"
WORDS = PHRASE.split(" ")  # noqa: SIM905


def firm_yaml(clients: int) -> str:
    lines = [
        "workspace: {timezone: UTC, currency: USD, billing_increment_minutes: 6}",
        "firm: {name: Hale & Partners LLP, address: \"1 Fleet Street\\nLondon\", tax_id: GB123456789}",
        "people:",
        "  - {slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: UTC, rate: 400}",
        *[f"  - {{slack_id: U0M{i:02d}, name: Member {i}, role: member, timezone: UTC, rate: 150}}" for i in range(6)],
        "clients:",
    ]  # fmt: skip
    for c in range(clients + 1):
        lines += [f"  - name: Client {c}", f"    billing_channel: C0BILL{c}", "    projects:",
                  f"      - {{name: Matter {c}, code: M{c}, billing: hourly, rate: 250, "
                  "tasks: [{name: Drafting, rate: 300}, {name: Review}, {name: Meetings}]}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def seed(url: str, entries: int, clients: int, month: tuple[date, date]) -> None:
    """The firm, and last month's time approved (prices frozen as approval freezes them)."""
    engine = make_engine(url)
    upgrade(engine)
    db, now = Database(engine), datetime.now(UTC)
    with db.transaction() as conn:
        import_yaml(conn, firm_yaml(clients), now=now)
        people = list(conn.scalars(select(Person.id).where(Person.slack_id.like("U0M%"))))
        projects = {code: pid for pid, code in conn.execute(select(Project.id, Project.code))}
        rows = []
        for c in range(clients + 1):
            for n in range(entries if c == 0 else 40):
                rows.append({"person_id": people[n % len(people)], "project_id": projects[f"M{c}"],
                             "date": month[0].replace(day=1 + n % (month[1].day - 1)),
                             "description": " ".join(WORDS[: 4 + n % 12]) + f" ({n})",
                             "duration_seconds": 1800 + 600 * (n % 7), "billable": True,
                             "status": EntryStatus.SUBMITTED, "created_at": now, "updated_at": now})  # fmt: skip
        ids = list(conn.scalars(insert(TimeEntry).returning(TimeEntry.id), rows))
        freeze(conn, ids, status=EntryStatus.APPROVED, now=now)
    engine.dispose()


def command_body(user: str, text: str) -> str:
    return urllib.parse.urlencode({
        "token": "x", "team_id": "T0FAKE", "team_domain": "bench", "channel_id": "C0BENCH", "channel_name": "bench",
        "user_id": user, "user_name": user.lower(), "command": "/track", "text": text, "api_app_id": "A0BENCH",
        "response_url": "http://127.0.0.1:9/response", "trigger_id": f"{next(_unique)}.{uuid.uuid4().hex[:8]}.bench",
    })  # fmt: skip


def send(port: int, text: str, user: str = "U0PARTNER") -> tuple[float, bytes]:
    """One signed /track; (ack ms, answer)."""
    body = command_body(user, text)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    conn.request("POST", "/slack/events", body=body, headers=harness.signed(body, int(time.time())))
    response = conn.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise SystemExit(f"/track {text} answered {response.status}: {data[:200]!r}")
    return elapsed, data


@contextmanager
def serve(argv: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        harness.wait_healthy(port, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def peak_rss_mb(pid: int) -> dict[str, float]:
    """VmHWM of a process and of its children (the PDF printer), in MB."""
    out = {}
    children = [
        int(c)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for c in (task / "children").read_text().split()
    ]
    for each, name in [(pid, "serve"), *((c, "printer") for c in children)]:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[name] = max(out.get(name, 0.0), int(line.split()[1]) / 1024)
        except OSError:
            pass
    return out


def uploads_to(fake: FakeSlack, channels: set[str]) -> set[str]:
    return {str(c.params.get("channel_id")) for c in fake.calls_to("files.completeUploadExternal")} & channels


def wait(check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the invoices")
        time.sleep(0.005)


def bare_acks(api: str, rounds: int, clients: int) -> list[float]:
    """A bare Bolt app acking `clients` concurrent /track commands, `rounds` times."""
    port = harness.free_port()
    argv = [sys.executable, "-c", harness.BARE_APP, api, harness.SECRET, str(port), "command"]
    acks: list[float] = []
    with harness.servers([(argv, None, harness.environment(api, "sqlite://"), port)]):
        for _ in range(rounds):
            acks += concurrent(port, [f"invoice Client {c} last month" for c in range(1, clients + 1)])
    return acks


def concurrent(port: int, texts: list[str]) -> list[float]:
    acks: list[float] = [0.0] * len(texts)
    gate = threading.Barrier(len(texts))

    def one(i: int) -> None:
        gate.wait()
        acks[i] = send(port, texts[i])[0]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return acks


def probe(port: int, stop: threading.Event) -> list[float]:
    """`/track status` back to back until `stop`: the acks of someone using Punchcard meanwhile."""
    out: list[float] = []
    while not stop.is_set():
        out.append(send(port, "status", user="U0M01")[0])
    return out


def line(name: str, values: list[float]) -> str:
    return (f"{name:<46} n={len(values):4d}  p50 {statistics.median(values):8.1f} ms  "
            f"p99 {harness.percentile(values, 99):8.1f} ms  max {max(values):8.1f} ms")  # fmt: skip


@contextmanager
def database(postgres: str | None, tmp: str) -> Iterator[str]:
    if postgres:
        with harness.postgres_url(postgres) as url:
            yield url
    else:
        yield f"sqlite:///{tmp}/bench.db"


def print_in_process(url: str) -> list[float]:
    """The baseline: WeasyPrint printing the first invoice in this process, warm, three times."""
    engine = make_engine(url)
    with Database(engine).transaction(read_only=True) as conn:
        doc = document(conn, int(conn.scalar(select(Invoice.id).order_by(Invoice.id)) or 0))
    engine.dispose()
    invoice_view.pdf(doc)  # fonts and the template, as warm as the printer process had them
    out = []
    for _ in range(3):
        began = time.perf_counter()
        invoice_view.pdf(doc)
        out.append(time.perf_counter() - began)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=200)
    ap.add_argument("--clients", type=int, default=5)
    ap.add_argument("--postgres", metavar="URL")
    args = ap.parse_args()
    month = last_month(datetime.now(UTC).date())
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake, database(args.postgres, tmp) as url:
        seed(url, args.entries, args.clients, month)
        port = harness.free_port()
        env = {**harness.environment(fake.url, url), "PUNCHCARD_SCHEDULER": "off"}
        argv = [*harness.PUNCHCARD, "serve", "--port", str(port)]
        with serve(argv, env, Path(tmp), port) as proc:
            idle_stop = threading.Event()
            threading.Timer(3.0, idle_stop.set).start()
            idle = probe(port, idle_stop)  # also warms the server up

            # 1. One month to the channel.
            started = time.perf_counter()
            ack, answer = send(port, 'invoice "Client 0" last month')
            assert b"Building the invoice" in answer, answer
            wait(lambda: uploads_to(fake, {"C0BILL0"}), 60)
            to_file = time.perf_counter() - started
            wait(lambda: len(fake.posted("C0BILL0")) >= 2, 30)
            to_summary = time.perf_counter() - started

            # 2. Several at once, and someone using /track meanwhile.
            stop = threading.Event()
            during: list[float] = []
            prober = threading.Thread(target=lambda: during.extend(probe(port, stop)))
            prober.start()
            started = time.perf_counter()
            acks = concurrent(port, [f"invoice Client {c} last month" for c in range(1, args.clients + 1)])
            wanted = {f"C0BILL{c}" for c in range(1, args.clients + 1)}
            wait(lambda: uploads_to(fake, wanted) == wanted, 120)
            all_in = time.perf_counter() - started
            stop.set()
            prober.join()
            memory = peak_rss_mb(proc.pid)
        printed = print_in_process(url)
        bare = bare_acks(fake.url, 10, args.clients)
    where = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"invoice_slack on {where}: {args.entries} entries for the first client, {args.clients} more at once"
    )
    print(f"1. /track invoice ack: {ack:.1f} ms; PDF in the channel after {to_file:.2f} s; summary after "
          f"{to_summary:.2f} s (target < 10 s)")  # fmt: skip
    if printed:
        print(f"   baseline: WeasyPrint printing that invoice in-process: {statistics.median(printed):.2f} s "
              f"(median of 3)")  # fmt: skip
    print(f"2. {args.clients} invoices asked at once: all in their channels after {all_in:.2f} s")
    print(line("   their acks (target < 300 ms)", acks))
    print(line("   baseline: a bare Bolt app, same 5 at once", bare))
    print(line("   /track status while they were built", during))
    print(line("   /track status while nothing was built", idle))
    print("   peak RSS: " + ", ".join(f"{k} {v:.0f} MB" for k, v in memory.items()))
    return 0 if max(acks) < 300 and to_file < 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
