"""Benchmark: pricing 1,000,000 entries (the batch exports and invoices price) on SQLite.

Builds a SQLite file with N entries over 50 people, 200 projects with tasks, and rates at
every level with effective dates; then, in the same run, times the baseline (reading the
same entry facts with the same statement, streamed from the driver, no pricing: the floor
any set-based pricing pays) and Punchcard's pricing (``pricing.price_batch``: rate books and
client terms loaded once, then each entry a dict lookup, a bisect and the integer rules).
Target: pricing N = 1,000,000 entries in under 5 s, and within 2x the baseline.

    python bench/pricing_load.py [--entries 1000000] [--db PATH]

``--db`` keeps the built file at PATH (and uses it if it is there), for repeated runs.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import harness  # noqa: F401 - puts the project root on sys.path's neighbour for imports below

sys.path.insert(0, str(harness.ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.services import pricing  # noqa: E402
from storage import prices  # noqa: E402
from storage.db import Database, make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Client, Person, Project, Rate, RateKind, Task, TimeEntry, Workspace  # noqa: E402


def build(url: str, entries: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    stamp = {"created_at": now, "updated_at": now}
    rng = random.Random(7)
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{"id": 1, "name": "Bench", "timezone": "UTC", "currency": "USD",
                                          "billing_increment_minutes": 6, "required_fields": [], **stamp}])  # fmt: skip
        conn.execute(insert(Person), [{"id": i, "slack_id": f"U{i:04d}", "name": f"P{i}", "role": "member",
                                       "timezone": "UTC", "schedule": {}, "rate": Decimal(100 + i), **stamp}
                                      for i in range(1, 51)])  # fmt: skip
        conn.execute(insert(Client), [{"id": i, "name": f"Client {i}", "currency": ["USD", "EUR", "JPY"][i % 3],
                                       "rate": Decimal(150), **stamp} for i in range(1, 21)])  # fmt: skip
        conn.execute(insert(Project), [{"id": i, "client_id": 1 + i % 20, "name": f"Matter {i}", "code": f"M-{i}",
                                        "billing_type": "hourly", "rate": Decimal(200) if i % 2 else None, **stamp}
                                       for i in range(1, 201)])  # fmt: skip
        conn.execute(insert(Task), [{"id": i, "project_id": 1 + i % 200, "name": f"Phase {i}",
                                     "rate": Decimal("312.5625") if i % 5 == 0 else None, **stamp}
                                    for i in range(1, 801)])  # fmt: skip
        levels = ["person_task", "task", "person_project", "project", "person_client", "client", "person"]
        rates = []
        for i in range(2000):
            level = levels[i % 7]
            rates.append({
                "kind": RateKind.BILL if i % 10 else RateKind.COST, "level": level,
                "person_id": rng.randint(1, 50) if "person" in level else None,
                "client_id": rng.randint(1, 20) if level in ("client", "person_client") else None,
                "project_id": rng.randint(1, 200) if level in ("project", "person_project") else None,
                "task_id": rng.randint(1, 800) if level in ("task", "person_task") else None,
                "rate": Decimal(rng.randint(100, 500)), "effective_from": date(2026, 1, 1) + timedelta(days=rng.randint(0, 300)),
                **stamp,
            })  # fmt: skip
        conn.execute(insert(Rate), rates)
        batch = []
        for i in range(entries):
            task = rng.randint(1, 800)
            batch.append({
                "person_id": 1 + i % 50, "project_id": 1 + task % 200, "task_id": task if i % 3 else None,
                "date": date(2026, 1, 1) + timedelta(days=i % 320), "duration_seconds": rng.randint(60, 8 * 3600),
                "description": "", "billable": i % 9 != 0, "status": "draft", "source": "manual", **stamp,
            })  # fmt: skip
            if len(batch) == 50_000:
                conn.execute(insert(TimeEntry), batch)
                batch = []
        if batch:
            conn.execute(insert(TimeEntry), batch)
    engine.dispose()


def read_unpriced(db: Database) -> tuple[int, float]:
    with db.transaction(read_only=True) as conn:
        started = time.perf_counter()
        count = sum(1 for _ in prices.every_fact(conn))
        return count, time.perf_counter() - started


def read_and_price(db: Database) -> tuple[int, int, float]:
    with db.transaction(read_only=True) as conn:
        started = time.perf_counter()
        total = priced = 0
        for _, _, _, amount, _, _ in pricing.price_batch(conn):
            if amount is not None:
                total += amount
            priced += 1
        return priced, total, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="keep the built SQLite file here (used if present)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each (default 3)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="punchcard-pricing-"))
    try:
        path = args.db or workdir / "pricing.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            started = time.perf_counter()
            build(url, args.entries)
            print(
                f"built {args.entries:,} entries in {time.perf_counter() - started:.1f} s (not timed below)"
            )
        db = Database(make_engine(url))
        baselines: list[float] = []
        ours: list[float] = []
        # Alternating rounds: this shared box's speed drifts by half within a minute, and a
        # baseline measured in a fast minute beside pricing in a slow one says nothing.
        for _round in range(args.rounds):
            count, seconds = read_unpriced(db)
            baselines.append(seconds)
            priced, total, seconds = read_and_price(db)
            ours.append(seconds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert count == priced == args.entries, (count, priced)
    base, mine = statistics.median(baselines), statistics.median(ours)
    print(f"{'variant (median of ' + str(args.rounds) + ' alternating rounds)':<46} {'entries':>10} {'seconds':>8} "
          f"{'entries/s':>10}   rounds")  # fmt: skip
    print(f"{'baseline: read the same rows, no pricing':<46} {count:10,} {base:8.2f} {count / base:10,.0f}   "
          + " ".join(f"{b:.2f}" for b in baselines))  # fmt: skip
    print(f"{'punchcard: read and price (set-based)':<46} {priced:10,} {mine:8.2f} {priced / mine:10,.0f}   "
          + " ".join(f"{o:.2f}" for o in ours))  # fmt: skip
    ratios = " ".join(f"{o / b:.2f}" for b, o in zip(baselines, ours, strict=True))
    print(
        f"pricing {priced:,} entries took {mine:.2f} s, {mine / base:.2f}x the baseline (target <= 2x; "
        f"per round {ratios}); sum of amounts {total:,} minor units (mixed currencies)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
