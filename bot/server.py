"""``punchcard serve``: migrate, build the app, and serve it over HTTP or Socket Mode."""

from __future__ import annotations

import gc
import logging
import os
import sys
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.app import create_app
from bot.config import ConfigError, Settings
from bot.context import Deps
from bot.listeners.commands import answers_without_waiting, batch_failed, is_track_command
from bot.web import DISPATCH_THREADS, GroupCommit
from storage.db import make_engine, make_sessionmaker, ping, start_checkpoints, write_batch
from storage.migrate import upgrade

logger = logging.getLogger(__name__)

SWITCH_INTERVAL = float(os.environ.get("PUNCHCARD_SWITCH_INTERVAL", "0.001"))


def serve(settings: Settings, *, host: str, port: int, socket: bool, threads: int = DISPATCH_THREADS) -> int:
    settings.require_slack(socket=socket)
    engine = make_engine(settings.database_url)
    try:
        ping(engine)
    except Exception as err:
        raise ConfigError(f"DATABASE_URL: cannot open the database: {err}") from None
    upgrade(engine)
    deps = Deps(
        sessions=make_sessionmaker(engine), secret=settings.signing_secret or settings.bot_token or ""
    )
    app = _build(settings, deps)
    if socket:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        logger.info("Punchcard running in Socket Mode")
        SocketModeHandler(app, settings.app_token).start()
        return 0

    import uvicorn

    from bot.web import create_web_app

    web = create_web_app(app, engine, dispatch_threads=threads, **serving(engine, deps))
    # Requests are short CPU bursts on worker threads; a shorter GIL switch interval than
    # the default 5 ms keeps one request from holding up the others (see bench/).
    sys.setswitchinterval(SWITCH_INTERVAL)
    # Everything built so far (modules, the app, compiled statements) lives as long as the
    # process: out of the collector's way, a full collection no longer walks it under load.
    gc.collect()
    gc.freeze()
    logger.info("Punchcard listening on http://%s:%d/slack/events", host, port)
    stop_checkpoints = start_checkpoints(engine)
    try:
        uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
    finally:
        stop_checkpoints()
        deps.close()
    return 0


def serving(engine: Engine, deps: Deps) -> dict[str, Any]:
    """How bot.web serves: on SQLite, requests that wait on nothing are answered on the event
    loop, and the CPU half of background work (Home tabs) runs there too, between them; on a
    database server every request waits on it, and they overlap on the thread pool."""
    if engine.dialect.name != "sqlite":
        return {}
    group = GroupCommit(
        accepts=is_track_command, batch=lambda: write_batch(deps.sessions), failed=batch_failed
    )
    return {"inline": answers_without_waiting(deps), "on_loop": deps.attach_loop, "group": group}


def _build(settings: Settings, deps: Deps) -> App:
    try:
        return create_app(settings, deps)
    except SlackApiError as err:
        raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack ({err.response.get('error')})") from None
    except Exception as err:  # BoltError from auth.test, or no route to SLACK_API_URL
        raise ConfigError(
            f"SLACK_BOT_TOKEN could not be verified at {settings.slack_api_url}: {err}"
        ) from None
