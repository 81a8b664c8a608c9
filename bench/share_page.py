"""Benchmark: a client's share page when the client has 100,000 entries, served by
`punchcard serve`.

A fresh database (SQLite, or `--postgres URL`) holds a firm whose first client has ENTRIES
billable entries over the last 25 months on three budgeted projects (about 4,000 a month:
approved with their billed time frozen, some awaiting approval, some drafts), beside other
clients' time. A share link with descriptions (the heaviest page: the 500 first entries are
listed) is opened back to back: the month to date (the page's default), and a whole year.
Baseline from the same run, the same server: `GET /healthz` (the serving floor: one request,
one database round trip). Target: the page under 300 ms.

    python bench/share_page.py [--entries 100000] [--requests 100] [--postgres URL]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import harness

sys.path.insert(0, str(harness.ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bot.services import sharing  # noqa: E402
from bot.services.importer import import_yaml  # noqa: E402
from storage.db import Database, make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import EntryStatus, Person, Project, Task, TimeEntry, WorkType  # noqa: E402

FIRM = (
    """
workspace: {timezone: UTC, currency: USD, billing_increment_minutes: 6}
firm: {name: Hale & Partners LLP}
people:
"""
    + "".join(
        f"  - {{slack_id: U0P{i:02d}, name: Person {i}, role: member, timezone: UTC, rate: 200}}\n"
        for i in range(12)
    )
    + """
clients:
  - name: Client 0
    projects:
      - {name: Litigation, code: C0-LIT, rate: 300, budget_hours: 9000, tasks: [{name: Discovery}, {name: Motions}, {name: Trial}]}
      - {name: Advisory, code: C0-ADV, rate: 250, budget_hours: 400, budget_period: monthly, tasks: [{name: Calls}, {name: Memos}]}
      - {name: Compliance, code: C0-COM, rate: 200, tasks: [{name: Review}]}
  - name: Client 1
    projects: [{name: Other, code: C1-OTH, rate: 100}]
work_types: [Research, Drafting, Meeting, Travel]
"""
)


def seed(url: str, entries: int, today: date) -> str:
    """The firm and its entries; a share link with descriptions to the first client (the token)."""
    engine = make_engine(url)
    upgrade(engine)
    db, now = Database(engine), datetime.now(UTC)
    with db.transaction() as conn:
        import_yaml(conn, FIRM, now=now)
        people = list(conn.scalars(select(Person.id)))
        projects = {code: pid for code, pid in conn.execute(select(Project.code, Project.id))}
        tasks: dict[int, list[int]] = {}
        for task_id, project_id in conn.execute(select(Task.id, Task.project_id)):
            tasks.setdefault(project_id, []).append(task_id)
        types = list(conn.scalars(select(WorkType.id)))
        codes = ["C0-LIT", "C0-ADV", "C0-COM"]
        statuses = [EntryStatus.APPROVED] * 6 + [EntryStatus.BILLED, EntryStatus.SUBMITTED, EntryStatus.DRAFT]
        rows = []
        for n in range(entries + entries // 10):  # a tenth more for another client
            mine = n < entries
            project = projects[codes[n % 3]] if mine else projects["C1-OTH"]
            status = statuses[n % len(statuses)]
            seconds = 900 + 900 * (n % 12)
            frozen = status in (EntryStatus.APPROVED, EntryStatus.BILLED)
            rows.append({
                "person_id": people[n % len(people)], "project_id": project,
                "task_id": tasks.get(project, [None])[n % len(tasks.get(project, [None]))],
                "work_type_id": types[n % len(types)] if n % 5 else None,
                "date": today - timedelta(days=(n * 760) // entries if mine else n % 760),
                "description": f"Reviewed and annotated the documents of batch {n}; call with counsel",
                "duration_seconds": seconds, "billable": n % 11 != 0, "status": status,
                "billed_seconds": seconds if frozen else None, "created_at": now, "updated_at": now,
            })  # fmt: skip
        for start in range(0, len(rows), 5000):
            conn.execute(insert(TimeEntry), rows[start : start + 5000])
        token = sharing.create(conn, sharing.CLI, client="Client 0", descriptions=True, now=now).token
    engine.dispose()
    return token


def timed(port: int, path: str, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        out.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"GET {path[:12]}… answered {response.status}: {body[:200]!r}")
    conn.close()
    return out


@contextmanager
def database(postgres: str | None, tmp: str) -> Iterator[str]:
    if postgres:
        with harness.postgres_url(postgres) as url:
            yield url
    else:
        yield f"sqlite:///{tmp}/bench.db"


def line(name: str, values: list[float]) -> str:
    return (f"{name:<44} n={len(values):4d}  p50 {statistics.median(values):8.1f} ms  "
            f"p99 {harness.percentile(values, 99):8.1f} ms  max {max(values):8.1f} ms")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--postgres", metavar="URL")
    args = ap.parse_args()
    today = datetime.now(UTC).date()
    with (
        tempfile.TemporaryDirectory() as tmp,
        harness.fake_slack() as api,
        database(args.postgres, tmp) as url,
    ):
        began = time.perf_counter()
        token = seed(url, args.entries, today)
        print(f"set-up: {args.entries:,} entries of the client (+{args.entries // 10:,} of another) in "
              f"{time.perf_counter() - began:.1f} s")  # fmt: skip
        port = harness.free_port()
        env = {**harness.environment(api, url), "PUNCHCARD_SCHEDULER": "off"}
        argv = [*harness.PUNCHCARD, "serve", "--port", str(port)]
        with harness.servers([(argv, Path(tmp), env, port)]):
            year = f"?from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"
            timed(port, f"/r/{token}", 5)  # warm: templates, statements, the page cache of the database
            rounds: dict[str, list[float]] = {"healthz": [], "month": [], "year": []}
            for _ in range(5):  # alternating: this box's speed drifts
                rounds["healthz"] += timed(port, "/healthz", args.requests // 5)
                rounds["month"] += timed(port, f"/r/{token}", args.requests // 5)
                rounds["year"] += timed(port, f"/r/{token}{year}", max(1, args.requests // 10))
    where = "PostgreSQL" if args.postgres else "SQLite"
    print(f"share_page on {where}: a client with {args.entries:,} entries, a link with descriptions")
    print(line("baseline: GET /healthz", rounds["healthz"]))
    print(line("the page, the month to date (target < 300)", rounds["month"]))
    print(line("the page, a whole year", rounds["year"]))
    return 0 if harness.percentile(rounds["month"], 99) < 300 else 1


if __name__ == "__main__":
    raise SystemExit(main())
