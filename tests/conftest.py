"""Fixtures: a database per backend (SQLite file, and PostgreSQL when configured), a frozen
clock, the fake Slack Web API, and the real app served over HTTP."""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.db import Database, make_engine, normalize_url
from storage.migrate import upgrade
from storage.models import Base

# slack_sdk honours HTTPS_PROXY and ignores NO_PROXY: nothing here may leave 127.0.0.1.
for _name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_name, None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "last: run after every other test of the session")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[Any]) -> None:
    """Tests marked ``last`` run at the end (tests/e2e/test_sandbox_renderer.py draws every Block Kit
    payload the other tests produced)."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


POSTGRES_URL = os.environ.get("PUNCHCARD_TEST_POSTGRES_URL")
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
FIRM_YAML = (Path(__file__).parent / "data" / "firm.yaml").read_text()


def _postgres_database(base_url: str) -> Iterator[str]:
    """A database of our own on the given server, dropped afterwards."""
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"punchcard_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalize_url(base_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'punchcard.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PUNCHCARD_TEST_POSTGRES_URL is not set")
    yield from _postgres_database(POSTGRES_URL)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own for one test, not migrated: for tests of processes and migrations."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'punchcard.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PUNCHCARD_TEST_POSTGRES_URL is not set")
    yield from _postgres_database(POSTGRES_URL)


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """A migrated, empty database for each test."""
    yield migrated_engine
    with migrated_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # The audit log and locked entries refuse DELETE (triggers): set them aside.
            triggers = list(
                conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            )
            for name, _sql in triggers:
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            for _name, sql in triggers:
                conn.exec_driver_sql(sql)
    from bot.services import project_index

    project_index.forget(migrated_engine)  # the next test's import starts at version 1 again


@contextmanager
def session_scope(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """An ORM session for a test to arrange or inspect rows (application code uses Core on
    a Connection, see docs/ARCHITECTURE.md)."""
    with sessions() as s, s.begin():
        yield s


_DATABASES: dict[Engine, Database] = {}


def database_of(engine: Engine) -> Database:
    """The one Database of an engine (its write lock is the process's, as in serve)."""
    if engine not in _DATABASES:
        _DATABASES[engine] = Database(engine)
    return _DATABASES[engine]


@contextmanager
def write_scope(sessions: sessionmaker[Session]) -> Iterator[Connection]:
    """A unit of work on the engine behind ``sessions`` (tests that arrange with services)."""
    with database_of(sessions.kw["bind"]).transaction() as conn:
        yield conn


@contextmanager
def read_scope(sessions: sessionmaker[Session]) -> Iterator[Connection]:
    with database_of(sessions.kw["bind"]).transaction(read_only=True) as conn:
        yield conn


@pytest.fixture
def db(engine: Engine) -> Database:
    """The Database of the test's engine."""
    return database_of(engine)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with session_scope(sessions) as s:
        yield s


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, **kwargs: float) -> datetime:
        with self._lock:
            self.now = self.now + timedelta(**kwargs)
            return self.now

    def set(self, now: datetime) -> None:
        with self._lock:
            self.now = now


@pytest.fixture
def clock() -> Clock:
    # A Tuesday afternoon in New York, morning... evening in Berlin.
    return Clock(datetime(2026, 11, 17, 15, 0, tzinfo=UTC))


def import_firm(db: Database, text: str, now: datetime) -> None:
    from bot.services.importer import import_yaml

    with db.transaction() as conn:
        import_yaml(conn, text, now=now)


@pytest.fixture
def firm(db: Database, clock: Clock) -> None:
    """The example firm from the issue: a partner, a member, Acme's website project."""
    import_firm(db, FIRM_YAML, clock())


@pytest.fixture
def fake_slack() -> Iterator[Any]:
    from tests.fakeslack import FakeSlack

    with FakeSlack() as fake:
        yield fake


@dataclass
class RunningApp:
    url: str
    fake: Any
    clock: Clock
    sessions: sessionmaker[Session]
    db: Database
    deps: Any = None

    def track(self, text: str, *, user_id: str = "U0MEMBER") -> tuple[int, dict[str, Any]]:
        """Send ``/track <text>`` as Slack would; returns the status and the JSON answer."""
        import json

        from tests.signing import command_body, post

        body = command_body(text, user_id=user_id, response_url=self.fake.response_url())
        status, _headers, payload = post(self.url + "/slack/events", body, SIGNING_SECRET)
        return status, (json.loads(payload) if payload else {})

    def say(self, text: str, *, user_id: str = "U0MEMBER") -> str:
        status, answer = self.track(text, user_id=user_id)
        assert status == 200, (status, answer)
        return str(answer.get("text", ""))


def start_server(app: Any, web: Any) -> tuple[str, Any, threading.Thread]:
    import uvicorn

    config = uvicorn.Config(web, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture
def running_app(
    engine: Engine, db: Database, sessions: sessionmaker[Session], fake_slack: Any, clock: Clock
) -> Iterator[RunningApp]:
    from bot.app import create_app
    from bot.config import Settings
    from bot.context import Deps
    from bot.server import serving
    from bot.web import create_web_app

    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.url,
        }
    )
    deps = Deps(db=db, secret=SIGNING_SECRET, clock=clock, base_url="https://punchcard.example.com")
    app = create_app(settings, deps)
    from bot import metrics
    from bot.share_web import share_routes

    routes = [*share_routes(db, clock=clock), metrics.route(db)]
    url, server, thread = start_server(
        app, create_web_app(app, engine, signing_secret=SIGNING_SECRET, routes=routes, **serving(db, deps))
    )
    # The outbox sender, as serve runs it (no scheduler: tests run jobs themselves), retrying
    # fast: the fake Slack answers at once.
    from bot.delivery import RetryPolicy
    from bot.slack import make_client, outbox_client
    from bot.worker import Worker

    worker = Worker(
        db, sender_client=outbox_client(BOT_TOKEN, fake_slack.url), lookup_client=make_client(BOT_TOKEN, fake_slack.url),
        policy=RetryPolicy(base=0.05, cap=0.5, attempts=5), scheduler=False, poll=0.05,
    )  # fmt: skip
    worker.start()
    yield RunningApp(url=url, fake=fake_slack, clock=clock, sessions=sessions, db=db, deps=deps)
    server.should_exit = True
    thread.join(timeout=10)
    worker.stop()
    deps.close()  # no background work may outlive the test and touch the next one's data


_action_seq = itertools.count(1)


def _action_ts() -> str:
    return f"{int(time.time())}.{next(_action_seq):06d}"


def interact(app: RunningApp, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Send an interactivity payload (block_actions, view_submission, ...) as Slack does."""
    import json

    from tests.signing import interactive_body, post

    # Slack sends a fresh trigger with every interaction.
    trigger = {"trigger_id": f"t.{next(_action_seq)}"}
    payload = {"team": {"id": "T0FAKE"}, "api_app_id": "A0PUNCH", "token": "x", **trigger, **payload}
    # Slack stamps each action with when it happened: two clicks are never the same request
    # (bot.signing ignores a replay of one).
    if "actions" in payload:
        payload["actions"] = [{"action_ts": _action_ts(), **action} for action in payload["actions"]]
    status, _headers, body = post(app.url + "/slack/events", interactive_body(payload), SIGNING_SECRET)
    return status, (json.loads(body) if body else {})


def send_event(app: RunningApp, event: dict[str, Any]) -> int:
    from tests.signing import JSON, event_body, post

    status, _headers, _body = post(
        app.url + "/slack/events", event_body(event), SIGNING_SECRET, content_type=JSON
    )
    return status
