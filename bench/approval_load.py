"""Benchmark: approving one submission of 500 entries.

1. The state change: `approvals.decide` for a 500-entry submission, in one transaction
   (500 entries approved with frozen prices, 500 audit records), timed to the commit, on
   SQLite and, when a URL is given (or PUNCHCARD_TEST_POSTGRES_URL is set), PostgreSQL.
   Target: under 50 ms on each.
2. The ack: the signed Approve all click against `punchcard serve`, beside a bare Bolt app
   acking the same click, served the same fast way, in alternating rounds.
   Target: Punchcard's p99 within 3x the bare app's.

    python bench/approval_load.py [--postgres postgresql://...] [--clicks 400]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import harness

sys.path.insert(0, str(harness.ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from bot.services import approvals  # noqa: E402
from bot.services.importer import import_yaml  # noqa: E402
from storage import people  # noqa: E402
from storage.db import Database, make_engine, normalize_url  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import TimeEntry  # noqa: E402

FIRM = (harness.ROOT / "tests" / "data" / "firm.yaml").read_text()
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


# Slack's requests are never the same twice (a fresh trigger or action time each):
# an identical signed body is a replay, which Punchcard ignores (bot.signing).
_unique = itertools.count(1)


def seed(url: str, entries: int, *, first_day: date = date(2026, 11, 16)) -> int:
    """The example firm, draft entries for the member in one week, submitted: the submission id."""
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine)
    with db.transaction() as conn:
        import_yaml(conn, FIRM, now=NOW)
    with db.transaction() as conn:
        member = people.person(conn, "U0MEMBER")
        assert member is not None
        project = conn.execute(text("SELECT id FROM projects WHERE code = 'ACME-WEB'")).scalar_one()
        conn.execute(insert(TimeEntry), [{
            "person_id": member.id, "project_id": project, "date": first_day + timedelta(days=i % 5),
            "duration_seconds": 600 + i, "description": f"work {i}", "billable": True, "status": "draft",
            "source": "manual", "created_at": NOW, "updated_at": NOW,
        } for i in range(entries)])  # fmt: skip
        result = approvals.submit(conn, member, first=first_day, last=first_day + timedelta(days=6), now=NOW)
    engine.dispose()
    assert len(result.sent) == 1 and len(result.sent[0].entries) == entries
    return result.sent[0].submission_id


def time_decisions(url: str, samples: int) -> list[float]:
    """Each of ``samples`` 500-entry submissions (one a week) approved and timed to its
    commit, after one warm-up decision (a running server has its statements compiled; a
    fresh process compiles them on first use)."""
    warm_up = seed(url, 5, first_day=date(2026, 1, 5))
    submissions = [seed(url, 500, first_day=date(2026, 1, 12) + timedelta(weeks=k)) for k in range(samples)]
    db = Database(make_engine(url))
    with db.transaction() as conn:
        partner = people.person(conn, "U0PARTNER")
    assert partner is not None
    with db.transaction() as conn:
        approvals.decide(conn, warm_up, partner, approve=True, now=NOW)
    times = []
    for submission_id in submissions:
        started = time.perf_counter()
        with db.transaction() as conn:
            decision = approvals.decide(
                conn, submission_id, partner, approve=True, now=NOW + timedelta(hours=1)
            )
        times.append((time.perf_counter() - started) * 1000)
        assert decision.entries == 500
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    return (f"median {statistics.median(ordered):6.1f} ms, min {ordered[0]:.1f}, max {ordered[-1]:.1f} "
            f"over {len(ordered)} (target < 50 ms)")  # fmt: skip


def postgres_database(base: str) -> tuple[str, object]:
    admin = create_engine(normalize_url(base), isolation_level="AUTOCOMMIT")
    name = f"punchcard_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalize_url(base).rsplit("/", 1)[0] + f"/{name}"
    return url, (admin, name)


def drop_postgres(handle: object) -> None:
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def click_body(submission_id: int) -> str:
    payload = {
        "type": "block_actions", "user": {"id": "U0PARTNER", "team_id": "T0FAKE"}, "team": {"id": "T0FAKE"},
        "api_app_id": "A0BENCH", "token": "x", "trigger_id": f"{next(_unique)}.bench", "channel": {"id": "DU0PARTNER"},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "DU0PARTNER"},
        "actions": [{"action_id": "approve_all", "block_id": f"decide:{submission_id}", "type": "button",
                     "value": str(submission_id)}],
    }  # fmt: skip
    return "payload=" + urllib.parse.quote(json.dumps(payload))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default=os.environ.get("PUNCHCARD_TEST_POSTGRES_URL"))
    parser.add_argument("--clicks", type=int, default=400)
    parser.add_argument("--samples", type=int, default=7, help="500-entry submissions approved and timed")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="punchcard-approval-"))
    try:
        print(
            "state change: approve one submission of 500 entries (500 entries + 500 audit records, one transaction)"
        )
        sqlite_url = f"sqlite:///{workdir / 'decide.db'}"
        print(f"  SQLite:     {summary(time_decisions(sqlite_url, args.samples))}")
        if args.postgres:
            url, handle = postgres_database(args.postgres)
            try:
                print(f"  PostgreSQL: {summary(time_decisions(url, args.samples))}")
            finally:
                drop_postgres(handle)
        else:
            print("  PostgreSQL: skipped (give --postgres or set PUNCHCARD_TEST_POSTGRES_URL)")

        serve_url = f"sqlite:///{workdir / 'serve.db'}"
        submission = seed(serve_url, 500)
        with harness.fake_slack() as api:
            env = harness.environment(api, serve_url)
            ours, bare = harness.free_port(), harness.free_port()
            with harness.servers([
                ([*harness.PUNCHCARD, "serve", "--port", str(ours)], workdir, env, ours),
                ([sys.executable, "-c", harness.BARE_APP, api, harness.SECRET, str(bare), "action"], None, env, bare),
            ]):  # fmt: skip
                body = click_body(submission)
                variants = [
                    ("bare Bolt, acks the click", lambda n: harness.load(bare, [[body] * n])),
                    ("punchcard, Approve all (500 entries)", lambda n: harness.load(ours, [[body] * n])),
                ]
                results = harness.rounds(variants, args.clicks, 4)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return harness.report("the Approve all click, acked (the first approves, the rest are told it is done)",
                          results, "punchcard, Approve all (500 entries)")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
