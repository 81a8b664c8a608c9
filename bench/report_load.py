"""Benchmark: a report over 1,000,000 entries, by every grouping, on SQLite and PostgreSQL; and
the report's chart rendered to PNG.

Builds a firm of 200 people, 40 clients (USD, EUR, GBP, JPY; increments of 6, 15 and 1
minutes, one rounding to nearest), 400 projects (hourly, fixed fee, retainer) of 4 tasks each
and 6 work types, rates at every level (plain rates and ~400 dated ones over 16 effective
dates, some with fractions of a cent per hundredth of an hour, such as 156.25) and N entries
over 23 months (2025-01 to 2026-11): those before October 2026 approved or billed with their
prices frozen (as approval freezes them), the last two months drafts, submitted or rejected,
priced live. ``--all-drafts`` makes every entry a draft (the report's worst case: nothing
frozen, every entry priced live).

Then, in the same run and in alternating rounds (median of ``--rounds``), for each grouping
(by week, client, project, task, person, work type) over the whole period:

- baseline: the same rows' measured seconds summed by the same key (a plain GROUP BY SUM
  over the same join, nothing priced: the floor of any set-based report);
- punchcard: ``report.gather`` as a partner's ``/track report`` gathers it (hours, billable
  hours, billed hours, value by currency: frozen amounts summed in SQL, live ones priced
  per group by the one pricer), with the groups' names.

Target: under 1 s each on both databases. Then the chart: the PNG of the weekly chart (100
weeks stacked billable / non-billable) and of the top groups by person, rendered with
matplotlib's Agg backend (``bot.views.report_chart.png``), median of the rounds; matplotlib's
import time is measured in a fresh process and printed beside it (not included). Target:
under 500 ms.

    python bench/report_load.py [--entries 1000000] [--postgres URL] [--rounds 5] [--all-drafts] [--db PATH]
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
from decimal import Decimal
from pathlib import Path

import harness

sys.path.insert(0, str(harness.ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bot.services import report  # noqa: E402
from bot.services.money import from_minor  # noqa: E402
from bot.services.pricing import Pricer  # noqa: E402
from storage import report as store  # noqa: E402
from storage.db import Database, make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Client, Person, Project, Rate, RateKind, Task, TimeEntry, Workspace, WorkType  # noqa: E402
from storage.prices import FactRow  # noqa: E402

FIRST, LAST = date(2025, 1, 1), date(2026, 11, 30)
LIVE_FROM = date(2026, 10, 1)  # entries from here on are not approved yet
GROUPINGS: list[str | None] = [None, "client", "project", "task", "person", "work-type"]
EFFECTIVE = sorted({date(2025, 1, 1) + timedelta(days=45 * i + (7 if i % 3 else 0)) for i in range(16)})


def build(url: str, entries: int, all_drafts: bool) -> None:
    engine = make_engine(url)
    upgrade(engine)
    stamp = {"created_at": datetime(2025, 1, 1, tzinfo=UTC), "updated_at": datetime(2025, 1, 1, tzinfo=UTC)}
    rng = random.Random(15)
    with engine.begin() as conn:
        conn.execute(
            insert(Workspace),
            [
                {
                    "id": 1,
                    "name": "Bench",
                    "timezone": "UTC",
                    "currency": "USD",
                    "billing_increment_minutes": 6,
                    "required_fields": [],
                    **stamp,
                }
            ],
        )
        conn.execute(
            insert(Person),
            [
                {
                    "id": i,
                    "slack_id": f"U{i:05d}",
                    "name": f"Person {i}",
                    "role": "partner" if i % 20 == 0 else "member",
                    "timezone": "UTC",
                    "schedule": {},
                    "rate": Decimal(150 + 5 * (i % 50)),
                    **stamp,
                }
                for i in range(1, 201)
            ],
        )
        currencies = ["USD"] * 28 + ["EUR"] * 8 + ["GBP"] * 3 + ["JPY"]
        conn.execute(
            insert(Client),
            [
                {
                    "id": i,
                    "name": f"Client {i:02d}",
                    "currency": currencies[i - 1],
                    "rate": Decimal(20000)
                    if currencies[i - 1] == "JPY"
                    else Decimal(200)
                    if i % 4 == 0
                    else None,
                    "billing_increment_minutes": [None, 15, None, 1][i % 4],
                    "rounding": "nearest" if i == 7 else None,
                    **stamp,
                }
                for i in range(1, 41)
            ],
        )
        kinds = ["hourly"] * 17 + ["fixed_fee", "retainer", "hourly"]
        conn.execute(
            insert(Project),
            [
                {
                    "id": i,
                    "client_id": 1 + i % 40,
                    "name": f"Matter {i}",
                    "code": f"M-{i:03d}",
                    "billing_type": kinds[i % 20],
                    "rate": Decimal(250) if i % 3 == 0 else None,
                    **stamp,
                }
                for i in range(1, 401)
            ],
        )
        conn.execute(
            insert(Task),
            [
                {
                    "id": i,
                    "project_id": 1 + (i - 1) // 4,
                    "name": ["Research", "Drafting", "Review", "Meetings"][(i - 1) % 4],
                    "rate": Decimal("156.25") if i % 37 == 0 else None,
                    **stamp,
                }
                for i in range(1, 1601)
            ],
        )
        conn.execute(
            insert(WorkType),
            [
                {"id": i, "name": n, **stamp}
                for i, n in enumerate(["Research", "Drafting", "Meeting", "Court", "Travel", "Admin"], 1)
            ],
        )
        levels = ["person_task", "task", "person_project", "project", "person_client", "client", "person"]
        rates = []
        for i in range(400):
            level = levels[i % 7]
            amount = Decimal(rng.randint(12, 48) * 10) + (Decimal("0.50") if i % 25 == 0 else 0)
            rates.append(
                {
                    "kind": RateKind.BILL if i % 8 else RateKind.COST,
                    "level": level,
                    "person_id": rng.randint(1, 200) if "person" in level else None,
                    "client_id": rng.randint(1, 40) if level in ("client", "person_client") else None,
                    "project_id": rng.randint(1, 400) if level in ("project", "person_project") else None,
                    "task_id": rng.randint(1, 1600) if level in ("task", "person_task") else None,
                    "rate": amount,
                    "effective_from": rng.choice(EFFECTIVE),
                    **stamp,
                }
            )
        conn.execute(insert(Rate), rates)
        pricer = Pricer.load(conn)
        clients = {p: 1 + p % 40 for p in range(1, 401)}
        types = {p: kinds[p % 20] for p in range(1, 401)}
        days = (LAST - FIRST).days + 1
        batch: list[dict[str, object]] = []
        for i in range(1, entries + 1):
            person = 1 + i % 200
            project = 1 + (person * 7 + (i // 200) % 9 * 13) % 400  # each person on ~9 projects
            task = (project - 1) * 4 + 1 + i % 4 if i % 5 else None
            day = FIRST + timedelta(days=((i - 1) * days) // entries)
            seconds = rng.randint(1, 32) * 900 if i % 10 < 7 else rng.randint(60, 8 * 3600)
            billable = i % 7 != 0
            row: dict[str, object] = {
                "id": i,
                "person_id": person,
                "project_id": project,
                "task_id": task,
                "date": day,
                "work_type_id": None if i % 11 == 0 else 1 + i % 6,
                "duration_seconds": seconds,
                "description": "work",
                "billable": billable,
                "source": "manual",
                "status": "draft",
                **stamp,
                "billed_seconds": None,
                "rate": None,
                "amount": None,
                "rate_rule": None,
            }
            if day < LIVE_FROM and not all_drafts:
                fact = FactRow(
                    i,
                    person,
                    clients[project],
                    project,
                    task,
                    day.toordinal(),
                    seconds,
                    int(billable),
                    types[project],
                    "draft",
                    None,
                    None,
                    None,
                    None,
                    None,
                )
                ((_, billed, rate, minor, currency, _),) = pricer.lines([fact])
                row.update(
                    status="billed" if i % 3 == 0 else "approved",
                    billed_seconds=billed,
                    rate=rate,
                    amount=None if minor is None else from_minor(minor, currency),
                    rate_rule="bench",
                )
            elif not all_drafts:
                row["status"] = ["draft", "draft", "submitted", "rejected"][i % 4]
            batch.append(row)
            if len(batch) == 20_000:
                conn.execute(insert(TimeEntry), batch)
                batch = []
        if batch:
            conn.execute(insert(TimeEntry), batch)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()


def baseline(db: Database, grouping: str | None) -> tuple[int, float]:
    with db.transaction(read_only=True) as conn:
        started = time.perf_counter()
        # Read as the report reads them (on SQLite, the table straight through: see storage.report).
        rows = store.plain_totals(conn, grouping, store.Scope(FIRST, LAST, scan=True))
        return len(rows), time.perf_counter() - started


def ours(db: Database, grouping: str | None) -> tuple[report.Report, float]:
    with db.transaction(read_only=True) as conn:
        started = time.perf_counter()
        found = report.gather(conn, report.Request(FIRST, LAST, grouping), show_value=True)
        return found, time.perf_counter() - started


def run(label: str, url: str, args: argparse.Namespace) -> bool:
    print(f"{label}:", flush=True)
    db_path = url.removeprefix("sqlite:///")
    if not (url.startswith("sqlite") and Path(db_path).exists()):
        started = time.perf_counter()
        code = (
            f"import sys; sys.path[:0] = {[str(Path(__file__).parent), str(harness.ROOT)]!r}; "
            f"import report_load as b; b.build({url!r}, {args.entries}, {args.all_drafts})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
        print(
            f"  built {args.entries:,} entries in {time.perf_counter() - started:.0f} s (not timed)",
            flush=True,
        )
    db = Database(make_engine(url))
    for grouping in GROUPINGS:  # warm: compiled statements, the page cache
        ours(db, grouping)
    gc.collect()
    gc.freeze()
    met = True
    print(
        f"  {'grouping':<10} {'groups':>7} {'entries':>10} {'baseline ms':>12} {'report ms':>10} {'ratio':>6}   "
        "report rounds (ms)"
    )
    for grouping in GROUPINGS:
        base, mine = [], []
        for _ in range(args.rounds):
            rows, seconds = baseline(db, grouping)
            base.append(seconds)
            found, seconds = ours(db, grouping)
            mine.append(seconds)
        b, o = statistics.median(base) * 1000, statistics.median(mine) * 1000
        met = met and o < 1000
        print(
            f"  {grouping or 'week':<10} {len(found.groups):7,} {found.total.entries:10,} {b:12.0f} {o:10.0f} "
            f"{o / b:6.2f}   " + " ".join(f"{m * 1000:.0f}" for m in mine),
            flush=True,
        )
    member = []
    for _ in range(args.rounds):  # a member's own time (no value: nothing priced)
        with db.transaction(read_only=True) as conn:
            started = time.perf_counter()
            own = report.build(conn, "U00001", report.Request(FIRST, LAST, "project"))
            member.append(time.perf_counter() - started)
    print(
        f"  a member's own time by project ({own.total.entries:,} entries): "
        f"median {statistics.median(member) * 1000:.0f} ms"
    )
    value = ", ".join(f"{v:,} {c}" for c, v in found.total.value.items())
    print(f"  total {found.total.hours:,} h, billable {found.total.billable_hours:,} h, value {value}")
    print(f"  target: each under 1000 ms: {'met' if met else 'NOT met'}")
    if args.chart:
        chart(db, args.rounds)
    db.engine.dispose()
    return met


def chart(db: Database, rounds: int) -> None:
    from bot.services.report import publish
    from bot.views import report_chart

    code = (
        "import time; t = time.perf_counter(); import matplotlib; matplotlib.use('Agg'); "
        "from matplotlib.figure import Figure; from matplotlib.backends.backend_agg import FigureCanvasAgg; "
        "print(time.perf_counter() - t)"
    )
    imports = [
        float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
        for _ in range(3)
    ]
    for grouping in (None, "person"):
        found, _ = ours(db, grouping)
        data = report_chart.Chart.from_payload(publish.chart_payload(found))
        report_chart.png(data)  # warm: fonts
        times, size = [], 0
        for _ in range(rounds):
            started = time.perf_counter()
            size = len(report_chart.png(data))
            times.append(time.perf_counter() - started)
        what = (
            f"{len(data.labels)} weeks"
            if grouping is None
            else f"top {len(data.labels)} of {len(found.groups)} people"
        )
        print(
            f"  chart PNG ({what}): median {statistics.median(times) * 1000:.0f} ms, {size:,} bytes; "
            f"target < 500 ms: {'met' if statistics.median(times) < 0.5 else 'NOT met'}"
        )
    print(
        f"  matplotlib import in a fresh process (not included, once per process): "
        f"median {statistics.median(imports) * 1000:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a database of its own is made there")
    parser.add_argument("--all-drafts", action="store_true", help="every entry a draft, priced live")
    parser.add_argument("--db", type=Path, help="keep the built SQLite file here (used if present)")
    parser.add_argument("--no-chart", dest="chart", action="store_false", help="skip the chart's timing")
    args = parser.parse_args()
    met = True
    with tempfile.TemporaryDirectory() as tmp:
        met = run("SQLite", f"sqlite:///{args.db or Path(tmp) / 'report.db'}", args)
    if args.postgres:
        with harness.postgres_url(args.postgres) as url:
            met = run("PostgreSQL", url, args) and met
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
