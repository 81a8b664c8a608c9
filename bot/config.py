"""Settings from the environment (and a ``.env`` file). One clear error per bad setting."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from dotenv import load_dotenv
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

if TYPE_CHECKING:
    from storage.db import Database

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///punchcard.db"


class ConfigError(Exception):
    """A missing or invalid setting; the message names it."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    slack_api_url: str
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    base_url: str | None
    # serve runs the scheduler too (off: run `punchcard scheduler` beside it instead)
    scheduler: bool = True
    outbox_backoff: float = 2.0  # seconds before the first retry; doubled per attempt
    outbox_attempts: int = 10  # failed attempts before a message is marked failed
    outbox_poll: float = 1.0  # seconds between looks for messages other processes queued
    outbox_lease: float = 60.0  # seconds a sender holds a claimed message before another may take it

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        if env is None:
            if dotenv:
                load_dotenv(Path.cwd() / ".env", override=False)
            env = dict(os.environ)

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        try:
            backend = make_url(database_url).get_backend_name()
        except ArgumentError:
            raise ConfigError(
                f"DATABASE_URL is not a database URL: {database_url!r} "
                "(e.g. sqlite:///punchcard.db or postgresql://user@host/db)"
            ) from None
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ConfigError(f"DATABASE_URL must be a SQLite or PostgreSQL URL, not {backend!r}")

        api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        _require_http_url("SLACK_API_URL", api_url)
        if not api_url.endswith("/"):
            api_url += "/"
        base_url = get("PUNCHCARD_BASE_URL")
        if base_url is not None:
            _require_http_url("PUNCHCARD_BASE_URL", base_url)
            base_url = base_url.rstrip("/")

        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token is not None and not bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        app_token = get("SLACK_APP_TOKEN")
        if app_token is not None and not app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        scheduler = (get("PUNCHCARD_SCHEDULER") or "on").lower()
        if scheduler not in ("on", "off"):
            raise ConfigError(f"PUNCHCARD_SCHEDULER must be on or off, not {scheduler!r}")
        return cls(
            database_url=database_url,
            slack_api_url=api_url,
            bot_token=bot_token,
            signing_secret=get("SLACK_SIGNING_SECRET"),
            app_token=app_token,
            base_url=base_url,
            scheduler=scheduler == "on",
            outbox_backoff=_number(
                "PUNCHCARD_OUTBOX_BACKOFF", get("PUNCHCARD_OUTBOX_BACKOFF"), 2.0, 0.01, 3600
            ),
            outbox_attempts=int(
                _number("PUNCHCARD_OUTBOX_ATTEMPTS", get("PUNCHCARD_OUTBOX_ATTEMPTS"), 10, 1, 100)
            ),
            outbox_poll=_number("PUNCHCARD_OUTBOX_POLL", get("PUNCHCARD_OUTBOX_POLL"), 1.0, 0.01, 60),
            outbox_lease=_number("PUNCHCARD_OUTBOX_LEASE", get("PUNCHCARD_OUTBOX_LEASE"), 60.0, 1, 3600),
        )

    def require_slack(self, *, socket: bool) -> None:
        """The settings ``serve`` needs: HTTP mode verifies signatures; Socket Mode needs xapp-."""
        if self.bot_token is None:
            raise ConfigError("SLACK_BOT_TOKEN is not set (the xoxb- token from OAuth & Permissions)")
        if socket:
            if self.app_token is None:
                raise ConfigError(
                    "SLACK_APP_TOKEN is not set (an xapp- token with connections:write, needed by --socket)"
                )
        elif self.signing_secret is None:
            raise ConfigError("SLACK_SIGNING_SECRET is not set (Basic Information → Signing Secret)")


def _number(name: str, value: str | None, default: float, low: float, high: float) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, not {value!r}")
    return number


def _require_http_url(name: str, value: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, not {value!r}")


def open_db(settings: Settings) -> Database:
    """The database, reachable and migrated, or one clear line naming DATABASE_URL: the one
    way in for ``serve``, the scheduler and the CLI."""
    from storage.db import Database, make_engine
    from storage.migrate import upgrade

    db = Database(make_engine(settings.database_url))
    try:
        db.ping()
        upgrade(db.engine)
    except DBAPIError as err:
        db.engine.dispose()
        raise ConfigError(f"DATABASE_URL: cannot open the database: {one_line(err.orig or err)}") from None
    return db


def one_line(error: BaseException) -> str:
    """A driver's message on one line: psycopg adds a hint on a line of its own."""
    return " ".join(part.strip() for part in str(error).splitlines() if part.strip())
