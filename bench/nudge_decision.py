"""Benchmark: deciding whom the missing-hours job nudges, 10,000 people and 1,000,000 entries.

Builds a firm of N people (schedules Monday to Friday, Tuesday to Friday and part-time, seven
timezones, public holidays of the US, Britain and Germany, a few thousand days off) with M
entries over the last 100 days, about a tenth of them short on Monday; then, in the same run
and in alternating rounds, times the baseline (an indexed per-day sum: everyone's logged
seconds on one day, the floor of any set-based decision) and Punchcard's decision
(``missing_hours.whom``: who, about which day; and ``due``, adding each nudge's earlier short
days), on SQLite and,
with ``--postgres URL``, on PostgreSQL. Target: the decision under 200 ms on both.

    python bench/nudge_decision.py [--people 10000] [--entries 1000000] [--postgres URL] [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import harness  # noqa: F401

sys.path.insert(0, str(harness.ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bot.services import missing_hours  # noqa: E402
from storage.db import Database, make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Client, Person, Project, TimeEntry, TimeOff, Workspace  # noqa: E402

NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # Tuesday: past 09:30 in every zone below
MONDAY = date(2026, 11, 30)
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Africa/Nairobi",
         "Asia/Kolkata", "UTC"]  # fmt: skip
FULL = {d: 8 * 3600 for d in ("mon", "tue", "wed", "thu", "fri")}
TUE_FRI = {d: 8 * 3600 for d in ("tue", "wed", "thu", "fri")}
PART = {d: 4 * 3600 for d in ("mon", "tue", "wed", "thu", "fri")}


def build(url: str, people: int, entries: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    stamp = {"created_at": datetime(2025, 1, 1, tzinfo=UTC), "updated_at": datetime(2025, 1, 1, tzinfo=UTC)}
    rng = random.Random(12)
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{"id": 1, "name": "Bench", "timezone": "UTC", "currency": "USD",
                                          "billing_increment_minutes": 6, "required_fields": [], "country": "US",
                                          **stamp}])  # fmt: skip
        countries = [(None, None), ("GB", None), ("DE", "BY")]
        conn.execute(insert(Person), [{
            "id": i, "slack_id": f"U{i:07d}", "name": f"Person {i}", "role": "member", "timezone": ZONES[i % 7],
            "schedule": [FULL, FULL, FULL, TUE_FRI, PART][i % 5], "country": countries[i % 3][0],
            "subdivision": countries[i % 3][1], **stamp,
        } for i in range(1, people + 1)])  # fmt: skip
        conn.execute(insert(Client), [{"id": 1, "name": "Client", **stamp}])
        conn.execute(insert(Project), [{"id": i, "client_id": 1, "name": f"Matter {i}", "code": f"M-{i}",
                                        "billing_type": "hourly", **stamp} for i in range(1, 101)])  # fmt: skip
        off = {
            (rng.randint(1, people), MONDAY - timedelta(days=rng.randint(0, 20))) for _ in range(people // 4)
        }
        conn.execute(insert(TimeOff), [{"person_id": p, "date": d, "seconds": None if p % 2 else 3 * 3600,
                                        "reason": "", **stamp} for p, d in off])  # fmt: skip
        per_person = max(1, entries // people)
        days = [MONDAY - timedelta(days=i) for i in range(140) if (MONDAY - timedelta(days=i)).weekday() < 5]
        batch: list[dict[str, object]] = []
        written = 0
        for person in range(1, people + 1):
            short = person % 10 == 0
            for k in range(per_person):
                day = days[k % len(days)]
                if short and day == MONDAY:
                    continue
                batch.append({"person_id": person, "project_id": 1 + (person + k) % 100, "date": day,
                              "duration_seconds": 8 * 3600 if k < len(days) else 600, "description": "work",
                              "billable": True, "status": "draft", "source": "manual", **stamp})  # fmt: skip
                written += 1
                if len(batch) == 50_000:
                    conn.execute(insert(TimeEntry), batch)
                    batch = []
        if batch:
            conn.execute(insert(TimeEntry), batch)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()
    print(f"  built {people:,} people, {written:,} entries, {len(off):,} days off")


def baseline(db: Database) -> tuple[int, float]:
    with db.transaction(read_only=True) as conn:
        started = time.perf_counter()
        rows = conn.execute(
            select(TimeEntry.person_id, func.sum(TimeEntry.duration_seconds))
            .where(TimeEntry.date == MONDAY)
            .group_by(TimeEntry.person_id)
        ).all()
        return len(rows), time.perf_counter() - started


def decide(db: Database) -> tuple[int, float]:
    """Whom to nudge, about which day (``missing_hours.whom``)."""
    with db.transaction(read_only=True) as conn:
        started = time.perf_counter()
        found = missing_hours.whom(conn, now=NOW)
        return len(found), time.perf_counter() - started


def nudges(db: Database) -> tuple[int, float]:
    """The same, with each nudge's earlier short days (``missing_hours.due``: what is queued)."""
    with db.transaction(read_only=True) as conn:
        started = time.perf_counter()
        found = missing_hours.due(conn, now=NOW)
        return len(found), time.perf_counter() - started


def run(label: str, url: str, args: argparse.Namespace) -> bool:
    print(f"{label}:", flush=True)
    # Built by a process of its own: this one then holds what a `jobs run` or a `serve`
    # process holds, not the heap of writing a million rows.
    code = f"import sys; sys.path[:0] = {[str(Path(__file__).parent), str(harness.ROOT)]!r}; " \
           f"import nudge_decision as b; b.build({url!r}, {args.people}, {args.entries})"  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True)
    db = Database(make_engine(url))
    decide(db)  # warm: holiday tables, compiled statements
    gc.collect()  # as `serve` and `jobs run` do: what is loaded stays out of the collector's way
    gc.freeze()
    base, ours, full = [], [], []
    for _ in range(args.rounds):
        rows, seconds = baseline(db)
        base.append(seconds)
        nudged, seconds = decide(db)
        ours.append(seconds)
        _, seconds = nudges(db)
        full.append(seconds)
    b, o = statistics.median(base) * 1000, statistics.median(ours) * 1000
    print(f"  baseline, everyone's seconds on one day ({rows:,} rows): median {b:.1f} ms")
    print(f"  decision, whom to nudge ({nudged:,} people): median {o:.1f} ms (min {min(ours) * 1000:.1f}, "
          f"max {max(ours) * 1000:.1f}), {o / b:.1f}x the baseline; target < 200 ms: "
          f"{'met' if o < 200 else 'NOT met'}")  # fmt: skip
    print(
        f"  with each nudge's earlier short days of the last two weeks: median {statistics.median(full) * 1000:.1f} ms"
    )
    with db.transaction() as conn:
        started = time.perf_counter()
        keys = missing_hours.queue(conn, now=NOW)
        queued = time.perf_counter() - started
    print(
        f"  queueing those nudges in the outbox (decision included): {len(keys):,} in {queued * 1000:.0f} ms"
    )
    db.engine.dispose()
    return o < 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a database of its own is made there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{Path(tmp) / 'nudges.db'}", args)
    if args.postgres:
        with harness.postgres_url(args.postgres) as url:
            run("PostgreSQL", url, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
