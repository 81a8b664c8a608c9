"""Consumers of entry changes (``bot.services.events``), by name: what runs after entries
change. Register one with ``@consumer("name")``; ``punchcard serve`` runs each after commits
and every second. First: budget alerts (``bot.services.budgets``)."""

from __future__ import annotations

from collections.abc import Callable

from bot.services import budgets, missing_hours
from bot.services.events import Handler

CONSUMERS: dict[str, Handler] = {}


def consumer(name: str) -> Callable[[Handler], Handler]:
    def register(handle: Handler) -> Handler:
        CONSUMERS[name] = handle
        return handle

    return register


consumer(budgets.CONSUMER)(budgets.on_entry_changes)
consumer(missing_hours.CONSUMER)(missing_hours.on_entry_changes)
