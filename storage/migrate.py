"""Alembic, configured in code so that it works from an installed package."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


# Several `punchcard serve` processes may start at once on PostgreSQL: one migrates, the
# others wait on this advisory lock and then find nothing to do.
MIGRATION_LOCK_ID = 0x70756E6368  # "punch"


def upgrade(engine: Engine, revision: str = "head") -> None:
    if engine.dialect.name != "postgresql":
        with _sqlite_lock(engine):
            command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
            lock.commit()


@contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    """Processes migrating one SQLite file take turns. Alembic commits each revision on its
    own on SQLite and reads the current one only at the start, so a process that read it
    while another was half-way would apply the other's next revision again. A file lock
    keyed by the database's path, in the temporary folder (no file beside the database):
    SQLite files are shared by processes of one machine."""
    path = engine.url.database
    try:
        import fcntl
    except ImportError:  # not POSIX: the operator starts one process first
        fcntl = None  # type: ignore[assignment]
    if fcntl is None or not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    key = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"punchcard-migrate-{key}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def pending(engine: Engine) -> bool:
    """True when the database is not at the newest revision."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current != set(script.get_heads())
