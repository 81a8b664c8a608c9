"""Events Punchcard subscribes to."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Deps


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def ignore_home_opened() -> None:
        # The Home tab is built by the modals/App Home issue; acking keeps Slack from retrying.
        return None
