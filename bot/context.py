"""What listeners need from the outside world, handed to them by ``create_app``."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.services.clock import utcnow

# Bolt's default pool has 5 threads; slow work after the ack runs on this sized pool.
BACKGROUND_THREADS = 16


def _pool() -> Executor:
    return ThreadPoolExecutor(max_workers=BACKGROUND_THREADS, thread_name_prefix="punchcard-bg")


@dataclass(frozen=True)
class Deps:
    sessions: sessionmaker[Session]
    # Seals modal private_metadata (bot.metadata): the signing secret, or the bot token.
    secret: str
    clock: Callable[[], datetime] = field(default=utcnow)
    executor: Executor = field(default_factory=_pool)

    def background(self, work: Callable[[], None]) -> None:
        """Run ``work`` after the ack, off the request thread."""
        self.executor.submit(work)
