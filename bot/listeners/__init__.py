"""Listeners, one module per Slack surface, each exposing ``register(app, deps)``."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Deps
from bot.listeners import (
    actions,
    approvals,
    clients,
    commands,
    events,
    forgotten,
    forms,
    invoices,
    missing_hours,
    options,
    reports,
    shortcuts,
    submission_entries,
    timer_choices,
)


def register_listeners(app: App, deps: Deps) -> None:
    # Bolt tries listeners in this order, building each one's arguments to match it: the
    # latency-sensitive ones (slash command, type-ahead) go first.
    commands.register(app, deps)
    options.register(app, deps)
    forms.register(app, deps)
    actions.register(app, deps)
    approvals.register(app, deps)
    submission_entries.register(app, deps)
    timer_choices.register(app, deps)
    forgotten.register(app, deps)
    missing_hours.register(app, deps)
    invoices.register(app, deps)
    clients.register(app, deps)
    reports.register(app, deps)
    shortcuts.register(app, deps)
    events.register(app, deps)
