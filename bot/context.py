"""What listeners need from the outside world, handed to them by ``create_app``."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.services.clock import utcnow
from storage.db import Database

logger = logging.getLogger(__name__)


class _Cancellable(Protocol):
    def cancel(self) -> None: ...


# Due work on the loop waits this many times as long as the last piece took before the next.
DRAIN_SPACING = 4.0

# Bolt's default pool has 5 threads; slow work after the ack runs on this sized pool.
BACKGROUND_THREADS = 8


def _pool() -> Executor:
    return ThreadPoolExecutor(max_workers=BACKGROUND_THREADS, thread_name_prefix="punchcard-bg")


@dataclass(frozen=True)
class Deps:
    """``db.transaction()`` is a listener's one unit of work: it commits when the block
    ends (after the ack's answer is built), and what must follow the commit goes to
    :meth:`background`."""

    db: Database
    # Seals modal private_metadata (bot.metadata): the signing secret, or the bot token.
    secret: str
    clock: Callable[[], datetime] = field(default=utcnow)
    base_url: str | None = None  # PUNCHCARD_BASE_URL: where share links point
    executor: Executor = field(default_factory=_pool)
    _pending: dict[str, _Cancellable | None] = field(default_factory=dict)
    _pending_lock: threading.Lock = field(default_factory=threading.Lock)
    # The serving event loop, once attached (bot.web, on SQLite): see attach_loop.
    _loop: list[asyncio.AbstractEventLoop] = field(default_factory=list)
    # Coalesced work due on the loop, run one piece at a time, spaced out (see _drain).
    _due: collections.deque[tuple[str, Callable[[], Any]]] = field(default_factory=collections.deque)

    def background(self, work: Callable[[], None]) -> None:
        """Run ``work`` after the ack, off the request thread; inside a unit of work (or a
        group transaction, ``Database.batch``) once it has committed, so the work sees what
        the request wrote, and never for a request whose transaction failed."""
        self.db.after_commit(lambda: self._submit(work))

    def attach_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Requests are answered on this loop (bot.web). From now on the CPU half of coalesced
        work (building a Home tab) runs there too, between requests: on a thread of its own
        it would fight the loop for the GIL, and every time a request let go of it (each
        SQLite call does) wait up to a switch interval to get it back."""
        self._loop[:] = [loop]

    def coalesce(self, key: str, delay: float, prepare: Callable[[], Callable[[], None] | None]) -> None:
        """Run ``prepare`` once ``delay`` seconds from now, however often this is called for
        ``key`` meanwhile: ten timer changes in a second publish one Home tab, not ten.

        ``prepare`` does the CPU work (on the serving loop when one is attached) and returns
        the I/O that follows (a Slack call), which runs on the background pool."""
        with self._pending_lock:
            if key in self._pending:
                return
            self._pending[key] = None
        loop = self._loop[0] if self._loop else None
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._arm, loop, key, delay, prepare)
                return
            except RuntimeError:  # the loop has closed: fall back to a timer thread
                pass
        timer = threading.Timer(delay, self._submit, args=(lambda: self._fire(key, prepare, inline=True),))
        timer.daemon = True
        with self._pending_lock:
            self._pending[key] = timer
        timer.start()

    def _arm(
        self, loop: asyncio.AbstractEventLoop, key: str, delay: float, prepare: Callable[[], Any]
    ) -> None:
        handle = loop.call_later(delay, self._fire, key, prepare)
        with self._pending_lock:
            if key in self._pending:
                self._pending[key] = handle
            else:  # closed meanwhile
                handle.cancel()

    def _queue(self, loop: asyncio.AbstractEventLoop, key: str, prepare: Callable[[], Any]) -> None:
        self._due.append((key, prepare))
        if len(self._due) == 1:
            loop.call_soon(self._drain, loop)

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        """One piece of due work, then the rest later: pieces that fall due together (sixteen
        people's Home tabs after a burst) are spaced out so that they take at most a fifth of
        the loop, instead of holding up the requests in flight for all of them at once."""
        key, prepare = self._due.popleft()
        started = time.perf_counter()
        try:
            self._fire(key, prepare)
        finally:
            if self._due:
                loop.call_later(DRAIN_SPACING * (time.perf_counter() - started), self._drain, loop)

    def _fire(self, key: str, prepare: Callable[[], Callable[[], None] | None], inline: bool = False) -> None:
        with self._pending_lock:
            self._pending.pop(key, None)  # changes from now on schedule another run
        try:
            then = prepare()
        except Exception:
            logger.exception("coalesced work %s failed", key)
            return
        if then is not None:
            if inline:
                then()
            else:
                self._submit(then)

    def _submit(self, work: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # shut down meanwhile: nothing left to do it for
            self.executor.submit(work)

    def close(self) -> None:
        """Drop work not yet due and wait for what is running (shutdown, and between tests)."""
        with self._pending_lock:
            timers = list(self._pending.values())
            self._pending.clear()
        for timer in timers:
            if timer is not None:
                timer.cancel()
        self.executor.shutdown(wait=True)
