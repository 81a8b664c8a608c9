"""Listeners, one module per Slack surface, each exposing ``register(app, deps)``."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Deps
from bot.listeners import commands, events


def register_listeners(app: App, deps: Deps) -> None:
    commands.register(app, deps)
    events.register(app, deps)
