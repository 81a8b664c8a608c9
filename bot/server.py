"""``punchcard serve``: migrate, build the app, and serve it over HTTP or Socket Mode, with the
worker (outbox sender, consumers, scheduler) beside it; ``punchcard scheduler``: the worker
alone, for a deployment that runs the scheduler as a process of its own."""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket as sockets
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.app import create_app
from bot.config import ConfigError, Settings, one_line, open_db
from bot.context import Deps
from bot.delivery import RetryPolicy
from bot.listeners.commands import COMMAND, INLINE_SUBCOMMANDS, batch_failed
from bot.slack import make_client, outbox_client
from bot.web import DISPATCH_THREADS, GroupCommit, command_is, inline_when
from bot.worker import Worker
from storage.db import Database, start_checkpoints

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

logger = logging.getLogger(__name__)

SWITCH_INTERVAL = float(os.environ.get("PUNCHCARD_SWITCH_INTERVAL", "0.001"))


def worker(settings: Settings, db: Database, *, scheduler: bool) -> Worker:
    policy = RetryPolicy(base=settings.outbox_backoff, attempts=settings.outbox_attempts)
    return Worker(
        db,
        sender_client=outbox_client(settings.bot_token, settings.slack_api_url),
        lookup_client=make_client(settings.bot_token, settings.slack_api_url),
        policy=policy,
        scheduler=scheduler,
        poll=settings.outbox_poll,
        lease=settings.outbox_lease,
    )


def serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    socket: bool,
    threads: int = DISPATCH_THREADS,
    listener: sockets.socket | None = None,
) -> int:
    """``listener``: a bound socket to serve HTTP on instead of ``host``:``port``."""
    settings.require_slack(socket=socket)
    db = open_db(settings)
    deps = Deps(db=db, secret=settings.signing_secret or settings.bot_token or "", base_url=settings.base_url)
    app = _build(settings, deps)
    connected = _connect_socket(app, settings) if socket else None
    background = worker(settings, db, scheduler=settings.scheduler)
    background.start()
    try:
        if connected is not None:
            logger.info("Punchcard running in Socket Mode")
            threading.Event().wait()
            return 0
        secret = settings.signing_secret or ""
        return _serve_http(
            app, db, deps, signing_secret=secret, host=host, port=port, threads=threads, listener=listener
        )
    finally:
        background.stop()
        deps.close()


def _connect_socket(app: App, settings: Settings) -> SocketModeHandler:
    """A Socket Mode connection, open, or one line: an app token Slack refuses, or no way
    to Slack."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, settings.app_token)
    try:
        with _quiet("slack_sdk", "slack_bolt"):
            handler.connect()
    except SlackApiError as err:
        raise ConfigError(f"SLACK_APP_TOKEN was refused by Slack ({err.response.get('error')})") from None
    except Exception as err:
        raise ConfigError(
            f"SLACK_APP_TOKEN: no Socket Mode connection from {settings.slack_api_url}: {one_line(err)}"
        ) from None
    return handler


def _serve_http(
    app: App,
    db: Database,
    deps: Deps,
    *,
    signing_secret: str,
    host: str,
    port: int,
    threads: int,
    listener: sockets.socket | None = None,
) -> int:
    import uvicorn

    from bot import metrics
    from bot.share_web import share_routes
    from bot.web import create_web_app

    web = create_web_app(
        app,
        db.engine,
        signing_secret=signing_secret,
        dispatch_threads=threads,
        routes=[*share_routes(db), metrics.route(db)],
        **serving(db, deps),
    )
    # Requests are short CPU bursts on worker threads; a shorter GIL switch interval than
    # the default 5 ms keeps one request from holding up the others (see bench/).
    sys.setswitchinterval(SWITCH_INTERVAL)
    # Everything built so far (modules, the app, compiled statements) lives as long as the
    # process: out of the collector's way, a full collection no longer walks it under load.
    gc.collect()
    gc.freeze()
    logger.info("Punchcard listening on http://%s:%d/slack/events", host, port)
    stop_checkpoints = start_checkpoints(db.engine)
    try:
        if listener is None:
            uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
        else:
            config = uvicorn.Config(web, log_level="warning", access_log=False)
            uvicorn.Server(config).run(sockets=[listener])
    finally:
        stop_checkpoints()
    return 0


def run_scheduler(settings: Settings) -> int:
    """The scheduler and the outbox sender, without serving requests (``punchcard scheduler``)."""
    if settings.bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN is not set (the xoxb- token from OAuth & Permissions)")
    db = open_db(settings)
    background = worker(settings, db, scheduler=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    background.start()
    logger.info("Punchcard scheduler running")
    try:
        stop.wait()
    finally:
        background.stop()
    return 0


def serving(db: Database, deps: Deps) -> dict[str, Any]:
    """How bot.web serves: on SQLite, requests that wait on nothing (an explicit list of
    ``/track`` subcommands measured as cheap, clicks, submissions and events) are answered on
    the event loop, the cheap ``/track`` commands that arrive together share a transaction
    (group commit), and the CPU half of background work (Home tabs) runs there too, between
    them; on a database server every request waits on it, and they overlap on the pool."""
    if not db.sqlite:
        return {}
    group = GroupCommit(accepts=command_is(COMMAND, INLINE_SUBCOMMANDS), batch=db.batch, failed=batch_failed)
    return {"inline": inline_when(COMMAND, INLINE_SUBCOMMANDS), "on_loop": deps.attach_loop, "group": group}


def _build(settings: Settings, deps: Deps) -> App:
    """The app, its token verified with Slack (auth.test), or one clear line: the libraries'
    own lines about the failed call (an error, each retry) are held back while it runs."""
    try:
        with _quiet("slack_sdk", "slack_bolt"):
            # Asked first, so that a refusal is told as one (Bolt's own check words it as
            # "could not verify").
            make_client(settings.bot_token, settings.slack_api_url).auth_test()
            return create_app(settings, deps)
    except SlackApiError as err:
        raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack ({err.response.get('error')})") from None
    except Exception as err:  # BoltError from auth.test, or no route to SLACK_API_URL
        raise ConfigError(
            f"SLACK_BOT_TOKEN could not be verified at {settings.slack_api_url}: {one_line(err)}"
        ) from None


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    levels = [each.level for each in loggers]
    for each in loggers:
        each.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for each, level in zip(loggers, levels, strict=True):
            each.setLevel(level)
