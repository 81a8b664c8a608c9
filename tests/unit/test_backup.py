"""``punchcard backup|restore``: a round trip loses nothing, nothing is overwritten unasked,
what is no Punchcard database is refused in one line, and on PostgreSQL the answer is the
pg_dump / pg_restore command, which itself round-trips."""

from __future__ import annotations

import re
import shlex
import shutil
import sqlite3
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text

from bot.cli import main
from storage.db import Database
from storage.models import EntryStatus, Person, Project, TimeEntry
from tests.conftest import FIRM_YAML, import_firm
from tests.unit.test_invoice_build import approved

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))


@pytest.fixture
def sqlite_only(db: Database) -> None:
    if not db.sqlite:
        pytest.skip("punchcard backup copies SQLite files; PostgreSQL has pg_dump (tested below)")


@pytest.fixture
def postgres_only(db: Database) -> None:
    if db.sqlite:
        pytest.skip("the pg_dump / pg_restore round trip")


def export(capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["export", "--format", "csv"]) == 0
    return capsys.readouterr().out


def draft(db: Database, day: date, description: str) -> int:
    with db.transaction() as conn:
        person = conn.scalar(select(Person.id).where(Person.slack_id == "U0MEMBER"))
        project = conn.scalar(select(Project.id).where(Project.code == "ACME-WEB"))
        return int(conn.execute(
            insert(TimeEntry).values(
                person_id=person, project_id=project, date=day, description=description,
                duration_seconds=2700, billable=True, status=EntryStatus.DRAFT, created_at=NOW, updated_at=NOW,
            ).returning(TimeEntry.id)
        ).scalar_one())  # fmt: skip


def some_work(db: Database) -> int:
    """The firm, approved time on two days and a draft: what the backup must hold."""
    import_firm(db, FIRM_YAML, NOW)
    approved(db, "ACME-WEB", date(2026, 11, 3), "1.5", task="Design", description="Wireframes")
    approved(db, "ACME-WEB", date(2026, 11, 4), "2", task="Build", description="Templates, v2")
    return draft(db, date(2026, 11, 5), "a draft, deleted after the backup")


def change_everything(
    db: Database, draft_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After the backup: more time, a draft deleted, November invoiced (entries billed)."""
    approved(db, "ACME-WEB", date(2026, 11, 6), "3", task="Build", description="after the backup")
    with db.transaction() as conn:
        conn.execute(delete(TimeEntry).where(TimeEntry.id == draft_id))
    args = ["--client", "Acme Corp", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv"]
    assert main(["invoice", *args, "--out", str(tmp_path / "invoices")]) == 0
    capsys.readouterr()


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_round_trip_loses_nothing(
    db: Database, sqlite_only: None, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft_id = some_work(db)
    before = export(capsys)
    assert "Wireframes" in before and "a draft, deleted" in before

    saved = tmp_path / "backup.db"
    assert main(["backup", str(saved)]) == 0
    said = capsys.readouterr().out
    assert f"to {saved}." in said and "schema revision" in said
    assert saved.read_bytes().startswith(b"SQLite format 3\x00")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db"]  # no temporary file left

    change_everything(db, draft_id, tmp_path, capsys)
    changed = export(capsys)
    assert changed != before and "INV-2026-0001" in changed and "a draft, deleted" not in changed

    assert main(["restore", str(saved)]) == 0
    said = capsys.readouterr().out
    assert f"Restored {saved}" in said and "up to date" in said
    kept = Path(re.search(r"kept as (.+)\.$", said, re.M).group(1))  # type: ignore[union-attr]
    assert export(capsys) == before

    # What the restore replaced was kept: restoring it brings the changes back.
    assert main(["restore", str(kept)]) == 0
    assert export(capsys) == changed


def test_the_backup_of_a_database_in_use_is_one_self_contained_file(
    db: Database, sqlite_only: None, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    some_work(db)
    saved = tmp_path / "backup.db"
    with db.transaction(read_only=True) as conn:  # a reader holds the file open, as serve does
        conn.execute(select(TimeEntry.id)).all()
        assert main(["backup", str(saved)]) == 0
    copy = tmp_path / "moved.db"
    shutil.move(saved, copy)  # one file holds it all: no -wal to carry along
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("SELECT count(*) FROM time_entries").fetchone() == (3,)


def test_an_existing_file_is_replaced_only_with_force(
    db: Database, sqlite_only: None, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    some_work(db)
    saved = tmp_path / "backup.db"
    saved.write_text("last week's backup")
    assert main(["backup", str(saved)]) == 2
    assert f"punchcard: {saved} exists; give --force to replace it" in one_line(capsys)
    assert saved.read_text() == "last week's backup"

    assert main(["backup", "--force", str(saved)]) == 0
    assert saved.read_bytes().startswith(b"SQLite format 3\x00")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db"]

    database = Path(db.engine.url.database or "")
    assert main(["backup", "--force", str(database)]) == 2  # never the database itself
    assert "is the database itself" in one_line(capsys)
    assert main(["backup", str(tmp_path / "no-such-folder" / "b.db")]) == 2
    assert "there is no folder" in one_line(capsys)


def test_what_is_no_punchcard_database_is_refused_and_nothing_changes(
    db: Database, sqlite_only: None, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    some_work(db)
    before = export(capsys)
    database = Path(db.engine.url.database or "")
    kept = set(database.parent.glob("*.before-restore-*"))

    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database\n" * 20)
    assert main(["restore", str(text_file)]) == 2
    assert f"punchcard: {text_file} is not a SQLite database" in one_line(capsys)

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    assert main(["restore", str(other)]) == 2
    assert f"{other} is not a Punchcard database: it has no alembic_version table" in one_line(capsys)

    newer = tmp_path / "newer.db"
    assert main(["backup", str(newer)]) == 0
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    assert main(["restore", str(newer)]) == 2
    assert "schema revision '9999_from_the_future', which this Punchcard does not know" in one_line(capsys)

    assert main(["restore", str(tmp_path / "missing.db")]) == 2
    assert "missing.db: no such file" in one_line(capsys)

    assert export(capsys) == before
    assert set(database.parent.glob("*.before-restore-*")) == kept  # refused before anything was copied


def test_on_postgresql_the_answer_is_the_pg_command_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://punch:s3cret@db.example:5432/punchcard")
    target = tmp_path / "nightly backup.dump"
    assert main(["backup", str(target)]) == 2
    err = one_line(capsys)
    assert err.startswith("punchcard: on PostgreSQL back up with pg_dump")
    expected = f"pg_dump --format=custom --file {shlex.quote(str(target))} postgresql://punch@db.example:5432/punchcard"
    assert expected in err
    assert "s3cret" not in err and "+psycopg" not in err and "PGPASSWORD" in err
    assert not target.exists()

    assert main(["restore", str(target)]) == 2
    err = one_line(capsys)
    assert ("pg_restore --clean --if-exists --no-owner --single-transaction --dbname "
            f"postgresql://punch@db.example:5432/punchcard {shlex.quote(str(target))} && punchcard db upgrade") in err  # fmt: skip
    assert "s3cret" not in err


def test_on_postgresql_the_named_commands_round_trip(
    db: Database, postgres_only: None, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not on PATH")
    with db.transaction(read_only=True) as conn:
        server = int(conn.scalar(text("SHOW server_version_num"))) // 10000
    client = int(re.findall(r"\d+", subprocess.run(["pg_dump", "--version"], capture_output=True,
                                                   text=True, check=True).stdout)[0])  # fmt: skip
    if client < server:
        pytest.skip(f"pg_dump {client} cannot dump a PostgreSQL {server} server")
    draft_id = some_work(db)
    before = export(capsys)
    saved = tmp_path / "punchcard.dump"

    assert main(["backup", str(saved)]) == 2
    dump = re.search(r": (pg_dump .+)$", one_line(capsys).strip()).group(1)  # type: ignore[union-attr]
    subprocess.run(shlex.split(dump), check=True, capture_output=True)
    assert saved.stat().st_size > 0

    change_everything(db, draft_id, tmp_path, capsys)
    assert export(capsys) != before

    assert main(["restore", str(saved)]) == 2
    named = re.search(r": (pg_restore .+)$", one_line(capsys).strip()).group(1)  # type: ignore[union-attr]
    restore, upgrade = named.split(" && ")
    db.engine.dispose()  # pg_restore --clean drops the tables: no idle session of ours in the way
    subprocess.run(shlex.split(restore), check=True, capture_output=True)
    assert upgrade == "punchcard db upgrade"
    assert main(["db", "upgrade"]) == 0
    assert export(capsys) == before
