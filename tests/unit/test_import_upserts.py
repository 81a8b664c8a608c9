"""The import's writes: what a re-import changes, what a refused file leaves, the workspace
and catalog_version, on every backend (the engine fixture runs SQLite and PostgreSQL)."""

from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.importer import ImportError_, ImportSummary, import_yaml
from storage import setup
from storage.models import Base
from tests.conftest import FIRM_YAML, Clock, read_scope, write_scope

RATES_YAML = """
rates:
  - {person: U0MEMBER, project: ACME-WEB, rate: 275, from: 2026-10-01}
  - {task: acme-web/design, rate: 300.125, from: 2026-01-01}
  - {client: acme corp, rate: 199, from: 2026-11-15}
"""


def do_import(sessions: sessionmaker[Session], text: str, clock: Clock) -> ImportSummary:
    with write_scope(sessions) as conn:
        return import_yaml(conn, text, now=clock())


def everything(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, timestamps included."""
    with engine.connect() as conn:
        return {
            table.name: [dict(r._mapping) for r in conn.execute(select(table).order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
        }


def workspace(sessions: sessionmaker[Session]) -> setup.WorkspaceSetup | None:
    with read_scope(sessions) as conn:
        return setup.workspace(conn)


def test_reimport_changes_no_row_and_says_nothing_changed(
    engine: Engine, sessions: sessionmaker[Session], clock: Clock
) -> None:
    do_import(sessions, FIRM_YAML + RATES_YAML, clock)
    before = everything(engine)
    clock.advance(days=1)
    again = do_import(sessions, FIRM_YAML.replace("Acme Corp", "ACME CORP") + RATES_YAML, clock)
    assert again.describe() == "Nothing changed: the database already matches the file."
    assert everything(engine) == before  # not even updated_at or catalog_version moved


def test_refused_file_leaves_an_imported_firm_as_it_was(
    engine: Engine, sessions: sessionmaker[Session], clock: Clock
) -> None:
    do_import(sessions, FIRM_YAML, clock)
    before = everything(engine)
    # Everything up to the last section is valid and would change rows; the rates are not.
    changed = FIRM_YAML.replace("rate: 250", "rate: 275").replace("Max Member", "Max M")
    bad = (
        changed
        + "  - {name: Beta, projects: [{name: Tax, code: BETA-TAX}]}\n"
        + ("rates: [{project: NOPE, rate: 1, from: 2026-01-01}]\n")
    )
    with pytest.raises(ImportError_, match="project 'NOPE' is not a project code"):
        do_import(sessions, bad.replace("work_types: [Research, Drafting, Meeting]\n", ""), clock)
    assert everything(engine) == before


def test_every_problem_is_reported_at_once(
    engine: Engine, sessions: sessionmaker[Session], clock: Clock
) -> None:
    bad = (
        "people: [{slack_id: U0X, name: X, role: boss}, {slack_id: U0Y, name: '  '}]\n"
        "clients: [{name: A, rate: lots, projects: [{name: P, code: 'a b', tasks: [{name: T}, {name: t}]}]}]\n"
        "work_types: [Research, research]\n"
    )
    with pytest.raises(ImportError_) as err:
        do_import(sessions, bad, clock)
    assert err.value.errors == [
        "people[0] (U0X): role 'boss' must be one of member, partner, admin",
        "people[1] (U0Y): name must not be empty",
        "clients[0] (A): rate must be a number, got 'lots'",
        "clients[0] (A) projects[0] (a b): code 'a b' must be one word (no spaces)",
        "clients[0] (A) projects[0] (a b) tasks[1]: task 't' appears twice",
        "work_types[1]: work type 'research' appears twice",
    ]
    assert everything(engine)["people"] == []


def test_people_without_a_timezone_take_the_workspaces_created_if_missing(
    engine: Engine, sessions: sessionmaker[Session], clock: Clock
) -> None:
    assert workspace(sessions) is None
    do_import(sessions, "people: [{slack_id: U0NEW, name: New Person}]", clock)
    ws = workspace(sessions)
    assert ws is not None and (ws.timezone, ws.currency, ws.catalog_version) == ("UTC", "USD", 0)
    with read_scope(sessions) as conn:
        person = setup.people(conn)["U0NEW"]
    assert (person.timezone, person.timezone_from_import) == ("UTC", False)

    clock.advance(hours=1)
    summary = do_import(
        sessions, "people: [{slack_id: U0NEW, name: New Person, timezone: Asia/Tokyo}]", clock
    )
    assert summary.updated["people"] == 1
    with read_scope(sessions) as conn:
        person = setup.people(conn)["U0NEW"]
    assert (person.timezone, person.timezone_from_import) == ("Asia/Tokyo", True)


def test_catalog_version_moves_with_clients_projects_and_tasks_only(
    engine: Engine, sessions: sessionmaker[Session], clock: Clock
) -> None:
    do_import(sessions, FIRM_YAML, clock)
    first = workspace(sessions)
    assert first is not None and first.catalog_version == 1
    do_import(sessions, FIRM_YAML.replace("Max Member", "Max M") + RATES_YAML, clock)
    after_people_and_rates = workspace(sessions)
    assert after_people_and_rates is not None and after_people_and_rates.catalog_version == 1
    clock.advance(hours=1)
    summary = do_import(sessions, FIRM_YAML.replace("{name: Build}", "{name: Build, active: false}"), clock)
    assert (summary.updated["tasks"], summary.updated["projects"]) == (1, 0)
    bumped = workspace(sessions)
    assert bumped is not None and bumped.catalog_version == 2


def test_rows_are_stamped_with_the_import_time(
    engine: Engine, sessions: sessionmaker[Session], clock: Clock
) -> None:
    created = clock()
    do_import(sessions, FIRM_YAML + RATES_YAML, clock)
    updated = clock.advance(hours=2)
    do_import(sessions, FIRM_YAML.replace("rate: 300,", "rate: 310,"), clock)
    rows = everything(engine)
    for table in ("people", "clients", "projects", "work_types", "rates"):
        assert {(r["created_at"], r["updated_at"]) for r in rows[table]} == {(created, created)}, table
    design, build = sorted(rows["tasks"], key=lambda r: r["name"] != "Design")
    assert (design["created_at"], design["updated_at"]) == (created, updated)
    assert (build["created_at"], build["updated_at"]) == (created, created)
    [ws] = rows["workspace"]  # its catalog_version moved with the task
    assert (ws["created_at"], ws["updated_at"]) == (created, updated)


def test_rates_name_existing_rows_in_any_case(
    engine: Engine, sessions: sessionmaker[Session], clock: Clock
) -> None:
    do_import(
        sessions,
        "clients: [{name: Ñandú SA, projects: [{name: Obra, code: ÑO-1, tasks: [{name: Éte}]}]}]",
        clock,
    )
    summary = do_import(
        sessions,
        "rates: [{client: ñandú sa, rate: 1, from: 2026-01-01}, {project: ño-1, rate: 2, from: 2026-01-01},"
        " {task: ÑO-1/éte, rate: 3, from: 2026-01-01}]",
        clock,
    )
    assert summary.created["rates"] == 3


def test_set_up_rows_refuse_changes_to_what_finds_them(
    engine: Engine, sessions: sessionmaker[Session], clock: Clock
) -> None:
    do_import(sessions, FIRM_YAML, clock)
    with write_scope(sessions) as conn:
        person = setup.people(conn)["U0MEMBER"]
        with pytest.raises(ValueError, match="cannot change slack_id"):
            setup.update(conn, person, {"slack_id": "U0OTHER"}, now=clock())
        project = setup.projects(conn)["acme-web"]
        with pytest.raises(ValueError, match="cannot change code"):
            setup.update(conn, project, {"code": "X"}, now=clock())
