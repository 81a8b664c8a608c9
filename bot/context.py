"""What listeners need from the outside world, handed to them by ``create_app``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.services.clock import utcnow

# Bolt's default pool has 5 threads; slow work after the ack runs on this sized pool.
BACKGROUND_THREADS = 8


def _pool() -> Executor:
    return ThreadPoolExecutor(max_workers=BACKGROUND_THREADS, thread_name_prefix="punchcard-bg")


@dataclass(frozen=True)
class Deps:
    sessions: sessionmaker[Session]
    # Seals modal private_metadata (bot.metadata): the signing secret, or the bot token.
    secret: str
    clock: Callable[[], datetime] = field(default=utcnow)
    executor: Executor = field(default_factory=_pool)
    # Slack ids this process has seen registered (people are never deleted): a hint for
    # bot.web, whose requests from them need no users.info before the answer.
    known_people: set[str] = field(default_factory=set)
    _pending: dict[str, threading.Timer] = field(default_factory=dict)
    _pending_lock: threading.Lock = field(default_factory=threading.Lock)

    def background(self, work: Callable[[], None]) -> None:
        """Run ``work`` after the ack, off the request thread."""
        self.executor.submit(work)

    def coalesce(self, key: str, delay: float, work: Callable[[], None]) -> None:
        """Run ``work`` once ``delay`` seconds from now, however often this is called for
        ``key`` meanwhile: ten timer changes in a second publish one Home tab, not ten."""

        def run() -> None:
            with self._pending_lock:
                self._pending.pop(key, None)  # changes from now on schedule another run
            work()

        with self._pending_lock:
            if key in self._pending:
                return
            timer = threading.Timer(delay, self._submit, args=(run,))
            timer.daemon = True
            self._pending[key] = timer
        timer.start()

    def _submit(self, work: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # shut down meanwhile: nothing left to do it for
            self.executor.submit(work)

    def close(self) -> None:
        """Drop work not yet due and wait for what is running (shutdown, and between tests)."""
        with self._pending_lock:
            timers = list(self._pending.values())
            self._pending.clear()
        for timer in timers:
            timer.cancel()
        self.executor.shutdown(wait=True)
