"""What listeners need from the outside world, handed to them by ``create_app``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.services.clock import utcnow


@dataclass(frozen=True)
class Deps:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime] = field(default=utcnow)
