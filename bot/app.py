"""``create_app``: the Bolt app, wired. Only this module and the CLI build apps."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse

from bot.config import Settings
from bot.context import Deps
from bot.listeners import register_listeners
from bot.signing import replay_guard
from bot.slack import make_client

logger = logging.getLogger(__name__)


def create_app(settings: Settings, deps: Deps, *, token_verification: bool = True) -> App:
    client = make_client(settings.bot_token, settings.slack_api_url)
    app = App(
        signing_secret=settings.signing_secret or "",
        client=client,
        # Bolt's own lines under the "slack_bolt" logger, so that its level governs them (Bolt
        # would copy the root level into a logger of its own).
        logger=logging.getLogger("slack_bolt.punchcard"),
        # Listeners answer inside the request (ack with the reply); Bolt then needs no
        # 10 ms ack polling, and slow work goes to lazy listeners on the sized pool below.
        process_before_response=True,
        listener_executor=deps.executor,
        token_verification_enabled=token_verification,
        raise_error_for_unhandled_request=False,
        # The front door (bot.web) checks the signature before the body is read: the one place.
        request_verification_enabled=False,
    )
    app.middleware(replay_guard(deps.db))

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        logger.error("unhandled error for %s", body.get("type") or body.get("command"), exc_info=error)
        return BoltResponse(status=200, body="")

    register_listeners(app, deps)
    return app
