"""What ``punchcard serve`` (and ``punchcard scheduler``) run beside the requests, each on
threads of their own, never on Bolt's listener threads or the serving loop: the outbox
sender, the consumers of entry changes, the invoice builder (its PDFs printed in a child
process), the sweep that reads Slack profiles of people registered from a request, and the
scheduler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot import consumers
from bot.delivery import RetryPolicy, Sender
from bot.invoicing import Builder
from bot.printing import Printer
from bot.scheduler import Scheduler
from bot.services import events, people
from bot.services.clock import utcnow
from bot.slack import profile_lookup
from storage import events as event_store
from storage.db import Database

logger = logging.getLogger(__name__)

SENDER_THREADS = 2
CONSUMER_POLL = 1.0
# After a wake that found nothing readable yet (PostgreSQL: a transaction older than the
# change, anywhere on the server, still running), look again this soon, this many times,
# then twice as late each time, up to the poll.
CONSUMER_RECHECK = 0.02
CONSUMER_RECHECKS = 25
# After a wake, wait this long for the changes committed with it: consuming once per commit
# cost /track a millisecond of CPU per request, and each batch holds SQLite's write lock.
# Busy (the last round handled BUSY changes or more: hundreds a second), batches are
# gathered longer; quiet, a change is handled almost at once.
CONSUMER_GATHER = 0.1
CONSUMER_GATHER_BUSY = 0.25
BUSY = 100
PROFILE_SWEEP = 300.0
PROFILE_GRACE = 60.0  # seconds a newcomer's own after-ack lookup has before the sweep reads them


class Worker:
    def __init__(
        self,
        db: Database,
        *,
        sender_client: WebClient,
        lookup_client: WebClient,
        clock: Callable[[], datetime] = utcnow,
        policy: RetryPolicy | None = None,
        scheduler: bool = True,
        poll: float = 1.0,
        lease: float = 60.0,
        printer: Printer | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.poll = poll
        self.sender = Sender(db, sender_client, clock=clock, policy=policy, lease=timedelta(seconds=lease))
        self.lookup = profile_lookup(lookup_client)
        self.builder = Builder(db, printer=printer, clock=clock)
        self.scheduler = Scheduler(db, clock=clock) if scheduler else None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Set after each commit in this process that recorded entry changes.
        self._changed = threading.Event()
        self._unwake = event_store.on_change(db.engine, self._changed.set)

    def start(self) -> None:
        # Each consumer's position exists before any request is served: a consumer seen for
        # the first time starts after what is there, and must not start after a change
        # made while its thread was starting.
        for name in consumers.CONSUMERS:
            with self.db.transaction() as conn:
                events.ensure_position(conn, name, now=self.clock())
        for i in range(SENDER_THREADS):
            self._spawn(f"punchcard-outbox-{i}", lambda: self.sender.run(self._stop, poll=self.poll))
        self._spawn("punchcard-consumers", self._consume)
        self._spawn("punchcard-invoices", lambda: self.builder.run(self._stop, poll=self.poll))
        self._spawn("punchcard-profiles", self._profiles)
        if self.scheduler is not None:
            self.scheduler.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._unwake()
        self._changed.set()
        self.sender.wake()
        self.builder.wake()
        if self.scheduler is not None:
            self.scheduler.shutdown()
        for thread in self._threads:
            thread.join(timeout)
        self.builder.close()

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _consume(self) -> None:
        """Each consumer, woken right after a commit that recorded entry changes (and every
        CONSUMER_POLL seconds: changes committed by other processes)."""
        recheck, tries, woken = 0.0, 0, False
        while not self._stop.is_set():
            handled = self.consume_once()
            if handled or recheck >= CONSUMER_POLL:
                recheck, tries = 0.0, 0
            elif woken:
                recheck, tries = CONSUMER_RECHECK, 0
            elif recheck:
                tries += 1
                recheck *= 2 if tries >= CONSUMER_RECHECKS else 1
            woken = self._changed.wait(min(recheck, CONSUMER_POLL) if recheck else CONSUMER_POLL)
            if woken and not recheck:
                # Let the changes that arrive together gather: one batch (one evaluation of
                # each budget they touch) instead of one per commit, off the requests' lock.
                self._stop.wait(CONSUMER_GATHER_BUSY if handled >= BUSY else CONSUMER_GATHER)
            self._changed.clear()

    def consume_once(self) -> int:
        """Run every consumer until it has nothing after its position; how many changes."""
        handled = 0
        for name, handle in list(consumers.CONSUMERS.items()):
            try:
                while True:
                    with self.db.transaction() as conn:
                        found = events.consume(conn, name, handle, now=self.clock())
                    if not found:
                        break
                    handled += found
            except Exception:
                logger.exception("consumer %s failed; it resumes from its position", name)
        return handled

    def _profiles(self) -> None:
        """People registered from a request whose profile no after-ack lookup filled (a
        restart came first, or Slack was down): read from Slack, outside any transaction."""
        while True:
            try:
                self.sweep_profiles()
            except Exception:
                logger.exception("profile sweep failed")
            if self._stop.wait(PROFILE_SWEEP):
                return

    def sweep_profiles(self, *, limit: int = 50) -> int:
        # Someone registered a moment ago has their after-ack lookup in flight: not theirs.
        before = self.clock() - timedelta(seconds=PROFILE_GRACE)
        with self.db.transaction(read_only=True) as conn:
            waiting = people.unsynced(conn, limit=limit, before=before)
        done = 0
        for slack_id in waiting:
            if self._stop.is_set():
                break
            profile = self.lookup(slack_id)
            with self.db.transaction() as conn:
                done += people.refresh_profile(conn, slack_id, profile, now=self.clock())
        return done
