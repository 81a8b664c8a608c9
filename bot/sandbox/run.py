"""``punchcard try [--port 3000] [--reset]``: the stand-in for Slack and its page on ``--port``,
Punchcard served exactly as ``punchcard serve`` serves it on a port of its own beside it, on
``try.db`` in the working directory (made and seeded on the first run)."""

from __future__ import annotations

import argparse
import json
import logging
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import ConfigError, Settings, open_db
from bot.sandbox.interact import Player
from bot.sandbox.server import Sandbox
from bot.sandbox.slack import Channel, Person, Workspace
from bot.services.clock import utcnow
from storage.db import Database

logger = logging.getLogger(__name__)
DB_FILE = "try.db"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser(
        "try", help="Punchcard with a local stand-in for Slack: a page at http://127.0.0.1:3000/"
    )
    run.add_argument("--port", type=int, default=3000, help="the page's port (default 3000)")
    run.add_argument("--reset", action="store_true", help=f"start again from a new {DB_FILE}")


def try_it(_settings: Settings, args: argparse.Namespace) -> int:
    """Ignores the environment's Slack and database settings: the sandbox has its own."""
    from bot.sandbox.seed import seed
    from bot.server import serve

    path = Path.cwd() / DB_FILE
    if args.reset:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    new = not path.exists()
    page = _bind(args.port)
    bot = _bind(0)  # Punchcard's own port, chosen by the system
    base = f"http://127.0.0.1:{page.getsockname()[1]}"
    token, secret = "xoxb-sandbox-" + secrets.token_hex(8), secrets.token_hex(16)
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{path}", "SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": base + "/api/", "PUNCHCARD_BASE_URL": f"http://127.0.0.1:{bot.getsockname()[1]}",
    }, dotenv=False)  # fmt: skip
    db = open_db(settings)
    if new:
        began = time.monotonic()
        seeded = seed(db, now=utcnow())
        print(f"Made {path.name}: {seeded} ({time.monotonic() - began:.1f} s)", file=sys.stderr)
    ws = _workspace(db, base)
    kept = path.with_name(path.stem + ".slack.json")
    if new:
        kept.unlink(missing_ok=True)
    elif kept.exists():
        try:
            ws.load(json.loads(kept.read_text()))
        except (ValueError, KeyError, TypeError) as err:
            print(f"{kept.name} could not be read ({err}): the channels start empty", file=sys.stderr)
    threading.Thread(target=_keep, args=(ws, kept), name="sandbox-keep", daemon=True).start()
    player = Player(ws, f"http://127.0.0.1:{bot.getsockname()[1]}/slack/events", secret)
    from bot.scheduler import JOBS

    jobs = [{"name": j.name, "about": j.about} for j in JOBS.values()]
    stand_in = Sandbox(page, ws, player, token=token, jobs=jobs, fire=_firing(settings, db, ws))
    threading.Thread(target=stand_in.serve_forever, name="sandbox", daemon=True).start()
    print(f"Punchcard is running: open {base}/ (Ctrl-C stops it; the data stays in {path.name})", flush=True)
    try:
        return serve(settings, host="127.0.0.1", port=bot.getsockname()[1], socket=False, listener=bot)
    finally:
        stand_in.shutdown()


def _keep(ws: Workspace, path: Path) -> None:
    """Writes the stand-in's conversations to ``path`` a second after they change."""
    saved = ws.version
    while True:
        time.sleep(1.0)
        if ws.version != saved:
            saved = ws.version
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(ws.dump()))
            temporary.replace(path)


def _bind(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError as err:
        listener.close()
        raise ConfigError(f"port {port} is taken ({err.strerror}): give another with --port") from None
    listener.listen(128)
    return listener


def _workspace(db: Database, base: str) -> Workspace:
    from storage.sandbox import directory

    with db.transaction(read_only=True) as conn:
        found = directory(conn)
    ws = Workspace(found.firm, base, found.timezone)
    for member in found.people:
        ws.people[member.slack_id] = Person(member.slack_id, member.name, member.role, member.timezone)
    for channel, name in found.channels:
        ws.channels[channel] = Channel(channel, name, "channel")
    return ws


def _firing(settings: Settings, db: Database, ws: Workspace) -> Callable[[str, str], str]:
    """A scheduled job run as of a chosen time, and what it queued delivered at once (its
    messages are due as of then: a sender of its own keeps that clock)."""
    from bot.delivery import RetryPolicy, Sender
    from bot.scheduler import JOBS, run_job
    from bot.slack import outbox_client
    from storage import outbox

    def fire(name: str, at: str) -> str:
        job = JOBS.get(name)
        if job is None:
            raise ValueError(f"there is no job {name!r}; the jobs are {', '.join(sorted(JOBS))}")
        zone = ZoneInfo(ws.timezone)
        try:
            now = datetime.fromisoformat(at).replace(tzinfo=zone) if at.strip() else utcnow()
        except ValueError:
            raise ValueError(f"{at!r} is not a time: give it as YYYY-MM-DDTHH:MM") from None
        ran = run_job(db, job, now=now, manual=True)
        keys = list(ran.result) if ran is not None and isinstance(ran.result, list | tuple) else []
        if keys:
            with db.transaction(read_only=True) as conn:
                ids = [row.id for key in keys if (row := outbox.by_key(conn, str(key))) is not None]
            began = time.monotonic()
            client = outbox_client(settings.bot_token or "", settings.slack_api_url)
            policy = RetryPolicy(base=0.2, attempts=3)
            sender = Sender(db, client, clock=lambda: now + timedelta(seconds=time.monotonic() - began),
                            policy=policy, lease=timedelta(seconds=30))  # fmt: skip
            sender.deliver_until_done(ids)
        local = now.astimezone(zone).strftime("%a %d %b %Y %H:%M")
        return f"{name} as of {local} ({zone.key}): {len(keys)} message{'s' if len(keys) != 1 else ''} queued"

    return fire
