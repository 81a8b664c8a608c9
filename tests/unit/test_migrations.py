import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import pending

ROOT = Path(__file__).resolve().parents[2]


def test_processes_starting_together_migrate_a_fresh_database_once(empty_database_url: str) -> None:
    code = (
        "import sys; from storage.db import make_engine; from storage.migrate import upgrade; "
        "upgrade(make_engine(sys.argv[1]))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, empty_database_url], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(6)  # on SQLite alembic commits each revision: they must take turns
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    engine = make_engine(empty_database_url)
    assert not pending(engine)
    assert "time_entries" in inspect(engine).get_table_names()
    engine.dispose()


def test_client_approver_migration_keeps_clients_and_downgrades(empty_database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from storage.migrate import alembic_config, upgrade

    engine = make_engine(empty_database_url)
    upgrade(engine, "0009")
    now = "2026-11-17 15:00:00+00:00"
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO clients (name, active, created_at, updated_at) VALUES ('Acme', true, :t, :t)"),
            {"t": now},
        )
    upgrade(engine, "0010")
    assert "approver_id" in {c["name"] for c in inspect(engine).get_columns("clients")}
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT name, approver_id FROM clients"))) == [("Acme", None)]
    command.downgrade(alembic_config(engine), "0009")
    assert "approver_id" not in {c["name"] for c in inspect(engine).get_columns("clients")}
    engine.dispose()


def test_set_based_entry_guards_still_refuse_closed_months_and_downgrade(empty_database_url: str) -> None:
    import pytest
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from storage.migrate import alembic_config, upgrade

    engine = make_engine(empty_database_url)
    upgrade(engine)
    t = "2026-10-05 12:00:00+00:00"
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO clients (name, active, created_at, updated_at) VALUES ('A', true, :t, :t)"),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO people (slack_id, name, role, timezone, timezone_from_import, schedule, active, created_at, updated_at) "
                "VALUES ('U1', 'P', 'member', 'UTC', false, '{}', true, :t, :t)"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO projects (client_id, name, code, billing_type, active, created_at, updated_at) "
                "SELECT id, 'P', 'P', 'hourly', true, :t, :t FROM clients"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO closed_periods (month, closed_by, closed_at, reason) VALUES ('2026-10', 'cli', :t, '')"
            ),
            {"t": t},
        )
    entry = (
        "INSERT INTO time_entries (person_id, project_id, date, duration_seconds, description, billable, status, source, "
        "created_at, updated_at) SELECT p.id, j.id, :d, 60, '', true, 'draft', 'manual', :t, :t FROM people p, projects j"
    )
    for revision in ("head", "0011"):
        if revision == "0011":
            command.downgrade(alembic_config(engine), "0011")
        with pytest.raises(DBAPIError, match="the period is closed"), engine.begin() as conn:
            conn.execute(text(entry), {"d": "2026-10-06", "t": t})
        with engine.begin() as conn:  # an open month takes entries
            conn.execute(text(entry), {"d": "2026-11-02", "t": t})
    upgrade(engine)
    assert not pending(engine)
    engine.dispose()


def test_share_links_migration_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    engine = make_engine(empty_database_url)
    upgrade(engine)
    assert "share_links" in inspect(engine).get_table_names()
    command.downgrade(alembic_config(engine), "0018")
    assert "share_links" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert {c["name"] for c in inspect(engine).get_columns("share_links")} >= {"token_hash", "hint", "opens"}
    engine.dispose()


def test_ebilling_migration_adds_its_columns_and_downgrades(empty_database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from storage.migrate import alembic_config, upgrade

    engine = make_engine(empty_database_url)
    upgrade(engine, "0019")
    now = "2026-11-17 15:00:00+00:00"
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO clients (name, active, created_at, updated_at) VALUES ('Acme', true, :t, :t)"),
            {"t": now},
        )
    upgrade(engine, "0020")
    added = {"ebilling", "ledes_client_id", "einvoice", "country", "tax_category", "tax_exemption_reason"}
    assert added <= {c["name"] for c in inspect(engine).get_columns("clients")}
    assert "utbms" in {c["name"] for c in inspect(engine).get_columns("tasks")}
    assert "utbms" in {c["name"] for c in inspect(engine).get_columns("work_types")}
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT name, einvoice, country FROM clients"))) == [
            ("Acme", None, None)
        ]
    command.downgrade(alembic_config(engine), "0019")
    assert not added & {c["name"] for c in inspect(engine).get_columns("clients")}
    assert "timekeeper_class" not in {c["name"] for c in inspect(engine).get_columns("people")}
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT name FROM clients"))) == [("Acme",)]
    upgrade(engine)
    engine.dispose()
