"""Events Punchcard subscribes to."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.context import Deps
from bot.notify import publish_home


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            deps.background(lambda: publish_home(deps, client, event["user"]))
