"""Consumers of entry changes (``bot.services.events``), by name: what runs after entries
change. Register one with ``@consumer("name")``; ``punchcard serve`` runs each after commits
and every second. (Budget alerts, the first, arrive with their issue.)"""

from __future__ import annotations

from collections.abc import Callable

from bot.services.events import Handler

CONSUMERS: dict[str, Handler] = {}


def consumer(name: str) -> Callable[[Handler], Handler]:
    def register(handle: Handler) -> Handler:
        CONSUMERS[name] = handle
        return handle

    return register
