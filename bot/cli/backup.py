"""``punchcard backup|restore``: a copy of the database, and putting one back.

SQLite: ``backup`` copies a consistent snapshot with SQLite's online backup API
(``sqlite3.Connection.backup``, in one step), safe while ``serve`` runs: in WAL mode a reader
never blocks the writer. The copy goes to a temporary file beside FILE, is switched out of
WAL (one self-contained file), checked (``PRAGMA quick_check``), flushed to disk and only
then renamed to FILE, so FILE is either absent or a whole backup. ``restore`` checks that
FILE is a Punchcard database at a schema revision this code knows, keeps the database it
replaces beside it (``<db>.before-restore-<UTC time>``), copies FILE in with the same API
(one write transaction on the live file) and applies pending migrations. ``serve`` and
``scheduler`` must be stopped first: they hold caches and work in progress of the database
being replaced.

PostgreSQL: ``pg_dump``/``pg_restore`` are the tools (a server's own, of its major version or
newer); both commands answer with the exact command line and exit code 2, doing nothing. The
URL in it is libpq's (no ``+psycopg``) and never holds the password (PGPASSWORD or
~/.pgpass give it).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from bot.config import Settings, open_db
from bot.errors import UserError
from storage.db import normalize_url

HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT = 30.0  # seconds to wait for the live database's write lock (a restore)


def backup(settings: Settings, args: argparse.Namespace) -> int:
    target = Path(args.file)
    url = make_url(normalize_url(settings.database_url))
    if url.get_backend_name() != "sqlite":
        raise UserError(pg_dump_line(url, target))
    live = database_file(url)
    if not live.is_file():
        raise UserError(f"DATABASE_URL: there is no database at {live} to back up")
    _writable_target(target, live, force=args.force)
    with closing(_open_live(live)) as source:
        revision = punchcard_revision(source, f"DATABASE_URL ({live})", known=None)
        copy(source, target, force=args.force)
    print(f"Backed up {live} (schema revision {revision}, {_size(target)}) to {target}.")
    return 0


def restore(settings: Settings, args: argparse.Namespace) -> int:
    source_file = Path(args.file)
    url = make_url(normalize_url(settings.database_url))
    if url.get_backend_name() != "sqlite":
        raise UserError(pg_restore_line(url, source_file))
    live = database_file(url)
    if not source_file.is_file():
        raise UserError(f"{source_file}: no such file")
    if live.exists() and live.resolve() == source_file.resolve():
        raise UserError(f"{source_file} is the database DATABASE_URL names; restore a copy of it")
    with closing(open_backup(source_file)) as source:
        revision = punchcard_revision(source, str(source_file), known=known_revisions())
        _check(source, str(source_file))
        kept = _keep_current(live)
        try:
            with closing(sqlite3.connect(live, timeout=BUSY_TIMEOUT)) as target:
                source.backup(target)
        except sqlite3.Error as err:
            raise UserError(f"cannot restore into {live}: {err}") from None
    open_db(settings).dispose()  # pending migrations, as serve would apply them
    print(f"Restored {source_file} (schema revision {revision}) into {live}; it is up to date "
          f"(schema revision {head_revision()}).")  # fmt: skip
    if kept is not None:
        print(f"The database it replaced is kept as {kept}.")
    return 0


# --- SQLite ------------------------------------------------------------------------------


def database_file(url: URL) -> Path:
    """The file a ``sqlite:///`` URL names (relative to the working directory, as SQLAlchemy
    reads it); an in-memory database has none."""
    name = url.database or ""
    if name in ("", ":memory:") or name.startswith("file::memory:"):
        raise UserError("DATABASE_URL names an in-memory SQLite database: there is no file to back up")
    return Path(name)


def copy(source: sqlite3.Connection, target: Path, *, force: bool) -> None:
    """A consistent copy of ``source`` written to ``target``: a temporary file beside it,
    checked and on disk before the rename, so ``target`` is never half a database."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise UserError(f"cannot write to {target.parent}: {err.strerror}") from None
    os.close(handle)
    temporary = Path(name)
    try:
        with closing(sqlite3.connect(temporary)) as copied:
            try:
                source.backup(copied)  # one step: a snapshot, not pages from several moments
                copied.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            except sqlite3.Error as err:
                raise UserError(f"the backup to {target} failed: {err}") from None
            _check(copied, f"the copy for {target}")
        _sync(temporary)
        _place(temporary, target, force=force)
        _sync(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def open_backup(path: Path) -> sqlite3.Connection:
    """``path`` opened read-only, or one line saying it is no SQLite database. A file in WAL
    mode without a ``-wal`` beside it (a copy of a live file) is opened immutable, which
    leaves no ``-shm``/``-wal`` behind; with one, SQLite reads it too."""
    try:
        with path.open("rb") as file:
            header = file.read(100)
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror}") from None
    if len(header) < 100 or not header.startswith(HEADER):
        raise UserError(f"{path} is not a SQLite database (a file made by `punchcard backup` is one)")
    in_wal = header[18] == 2
    mode = "immutable=1" if in_wal and not Path(f"{path}-wal").exists() else "mode=ro"
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
    except sqlite3.Error as err:
        raise UserError(f"cannot open {path}: {err}") from None


def punchcard_revision(conn: sqlite3.Connection, what: str, *, known: set[str] | None) -> str:
    """The schema revision recorded in ``conn`` (Alembic's ``alembic_version``), which must be
    one of ``known`` when given; else one line saying why it is no Punchcard database."""
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as err:
        if "no such table" in str(err):
            raise UserError(f"{what} is not a Punchcard database: it has no alembic_version table") from None
        raise UserError(f"{what} is not a readable SQLite database: {err}") from None
    if len(rows) != 1:
        raise UserError(f"{what} is not a Punchcard database: its alembic_version has {len(rows)} rows")
    revision = str(rows[0][0])
    if known is not None and revision not in known:
        raise UserError(f"{what} is at schema revision {revision!r}, which this Punchcard does not know "
                        "(made by a newer version?): upgrade Punchcard first, then restore")  # fmt: skip
    return revision


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def head_revision() -> str:
    return str(_scripts().get_current_head())


def _scripts():  # type: ignore[no-untyped-def]
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.migrate import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def _open_live(path: Path) -> sqlite3.Connection:
    """The live database, never created by opening it."""
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as err:
        raise UserError(f"DATABASE_URL: cannot open {path}: {err}") from None


def _keep_current(live: Path) -> Path | None:
    """The live database copied aside before a restore replaces it (a restore of the wrong
    file is undone by restoring this one); None when there is none yet."""
    if not live.is_file() or live.stat().st_size == 0:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = live.with_name(f"{live.name}.before-restore-{stamp}")
    for again in range(2, 100):  # two restores in one second keep both
        if not kept.exists():
            break
        kept = live.with_name(f"{live.name}.before-restore-{stamp}-{again}")
    with closing(_open_live(live)) as current:
        try:
            current.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as err:
            raise UserError(f"DATABASE_URL: {live} is not a readable SQLite database ({err}); "
                            "move it away, then restore") from None  # fmt: skip
        copy(current, kept, force=False)
    return kept


def _check(conn: sqlite3.Connection, what: str) -> None:
    try:
        found = [str(row[0]) for row in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as err:
        raise UserError(f"{what} is not a readable SQLite database: {err}") from None
    if found != ["ok"]:
        raise UserError(f"{what} fails SQLite's integrity check: {'; '.join(found[:3])}")


def _writable_target(target: Path, live: Path, *, force: bool) -> None:
    if target.is_dir():
        raise UserError(f"{target} is a folder; name the backup file, e.g. {target / 'punchcard.db'}")
    if not target.parent.is_dir():
        raise UserError(f"cannot write {target}: there is no folder {target.parent}")
    if target.exists() and target.resolve() == live.resolve():
        raise UserError(f"{target} is the database itself; name another file")
    if target.exists() and not force:
        raise UserError(f"{target} exists; give --force to replace it")


def _place(temporary: Path, target: Path, *, force: bool) -> None:
    """``temporary`` renamed to ``target``; without ``force`` an existing ``target`` (even one
    made meanwhile) is refused: a hard link never replaces a file."""
    if force:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise UserError(f"{target} exists; give --force to replace it") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise UserError(f"{target} exists; give --force to replace it") from None
        os.replace(temporary, target)


def _sync(path: Path) -> None:
    """Flush a file, or a folder's entries (a rename), to disk; a folder that cannot be
    opened for it (some platforms) is left to the file system."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _size(path: Path) -> str:
    size = path.stat().st_size
    if size < 1024:
        return f"{size} bytes"
    scaled, unit = next((size / 1024**power, unit) for power, unit in ((3, "GB"), (2, "MB"), (1, "KB"))
                        if size >= 1024**power)  # fmt: skip
    return f"{scaled:.1f} {unit}"


# --- PostgreSQL --------------------------------------------------------------------------


def libpq_url(url: URL) -> str:
    """The URL as pg_dump and psql read it: ``postgresql://``, no driver, no password."""
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)  # fmt: skip
    return plain.render_as_string(hide_password=False)


def pg_dump_command(url: URL, file: Path) -> str:
    return shlex.join(["pg_dump", "--format=custom", "--file", str(file), libpq_url(url)])


def pg_restore_command(url: URL, file: Path) -> str:
    return shlex.join(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                       "--dbname", libpq_url(url), str(file)])  # fmt: skip


def pg_dump_line(url: URL, file: Path) -> str:
    return (f"on PostgreSQL back up with pg_dump (of the server's major version or newer), "
            f"safe while serve runs: {pg_dump_command(url, file)}{_password_note(url)}")  # fmt: skip


def pg_restore_line(url: URL, file: Path) -> str:
    command = f"{pg_restore_command(url, file)} && punchcard db upgrade"
    return (f"on PostgreSQL restore with pg_restore, with serve and scheduler stopped, then apply "
            f"migrations: {command}{_password_note(url)}")  # fmt: skip


def _password_note(url: URL) -> str:
    return " (the password from PGPASSWORD or ~/.pgpass)" if url.password else ""
