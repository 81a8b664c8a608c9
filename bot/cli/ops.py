"""``punchcard serve|scheduler|db|outbox|jobs``: running Punchcard and looking after it."""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config import ConfigError, Settings, open_db
from bot.errors import UserError
from bot.services.clock import utcnow
from bot.views import ops as views
from storage import outbox as outbox_store
from storage.db import Database
from storage.models import OutboxStatus


def serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.server import serve as run

    return run(settings, host=args.host, port=args.port, socket=args.socket, threads=args.threads)


def scheduler(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.server import run_scheduler

    return run_scheduler(settings)


def db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    open_db(settings)
    print("Database is up to date.")
    return 0


def _sender(settings: Settings, db: Database, *, clock: Callable[[], datetime] = utcnow):  # type: ignore[no-untyped-def]
    """A sender of this process's own, to deliver what a command queued (serve may be down)."""
    from bot.delivery import RetryPolicy, Sender
    from bot.slack import outbox_client

    if settings.bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN is not set: it is needed to send messages")
    client = outbox_client(settings.bot_token, settings.slack_api_url)
    policy = RetryPolicy(base=settings.outbox_backoff, attempts=settings.outbox_attempts)
    return Sender(db, client, clock=clock, policy=policy, lease=timedelta(seconds=settings.outbox_lease))


def outbox(settings: Settings, args: argparse.Namespace) -> int:
    db = open_db(settings)
    if args.outbox_command == "retry":
        if (args.id is None) == (not args.all_failed):
            raise UserError("give the message's ID, or --failed for every failed message: "
                            "punchcard outbox retry ID|--failed")  # fmt: skip
        with db.transaction() as conn:
            ids = outbox_store.requeue(conn, now=utcnow(), ids=None if args.all_failed else [args.id])
        if not ids:
            raise UserError(
                "no failed message to retry" if args.all_failed else f"message {args.id} has not failed"
            )
        rows = _sender(settings, db).deliver_until_done(ids)
        print(views.outbox_table(rows))
        return 0 if all(r.status == OutboxStatus.SENT for r in rows) else 1
    with db.transaction(read_only=True) as conn:
        rows = outbox_store.listing(conn, failed_only=args.failed, limit=args.limit)
        counts = outbox_store.counts(conn)
    print(views.outbox_table(rows))
    print(views.outbox_counts(counts))
    return 0


def jobs(settings: Settings, args: argparse.Namespace) -> int:
    from bot.scheduler import JOBS, parse_cron, run_job, schedule_of
    from storage import jobs as job_store

    db = open_db(settings)
    if args.jobs_command == "list":
        now = utcnow()
        lines = []
        with db.transaction(read_only=True) as conn:
            for name, job in sorted(JOBS.items()):
                cron = schedule_of(job)
                nxt = parse_cron(cron).get_next_fire_time(None, now)
                lines.append(views.job_line(job, cron, job_store.latest(conn, name), nxt))
        print("\n".join(lines))
        return 0
    job = JOBS[args.name]
    now = args.at or utcnow()
    # As serve does: what is loaded lives as long as the process, out of the collector's way
    # (a firm-wide job makes tens of thousands of rows; full collections walking the modules
    # loaded took longer than the job's work: bench/nudge_decision.py).
    gc.collect()
    gc.freeze()
    # --at stands in for now, for the job and for delivering what it queued (due as of then),
    # and moves on from there as time passes (retries fall due).
    began = time.monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=time.monotonic() - began)

    ran = run_job(db, job, now=now, manual=True)
    assert ran is not None
    keys = list(ran.result) if isinstance(ran.result, list | tuple) else []
    print(views.job_ran(job, now, keys))
    if keys:
        with db.transaction(read_only=True) as conn:
            ids = [row.id for key in keys if (row := outbox_store.by_key(conn, key)) is not None]
        rows = _sender(settings, db, clock=clock).deliver_until_done(ids)
        print(views.outbox_table(rows))
        return 0 if all(r.status == OutboxStatus.SENT for r in rows) else 1
    return 0
