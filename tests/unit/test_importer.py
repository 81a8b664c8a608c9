import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.importer import ImportError_, import_yaml
from storage.models import Client, Person, Project, Task, WorkType
from tests import orm as queries
from tests.conftest import FIRM_YAML, Clock, session_scope, write_scope


def do_import(sessions: sessionmaker[Session], text: str, clock: Clock):  # type: ignore[no-untyped-def]
    with write_scope(sessions) as conn:
        return import_yaml(conn, text, now=clock())


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with session_scope(sessions) as s:
        return {
            m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Person, Client, Project, Task, WorkType)
        }


def test_example_firm_imports_everything(
    engine: object, sessions: sessionmaker[Session], clock: Clock
) -> None:
    summary = do_import(sessions, FIRM_YAML, clock)
    assert counts(sessions) == {"people": 2, "clients": 1, "projects": 1, "tasks": 2, "work_types": 3}
    assert summary.created["projects"] == 1
    with session_scope(sessions) as s:
        ws = queries.workspace(s)
        assert (ws.timezone, ws.currency, ws.billing_increment_minutes, ws.required_fields) == (
            "America/New_York",
            "USD",
            6,
            ["description"],
        )
        partner = queries.person_by_slack_id(s, "U0PARTNER")
        assert partner is not None and partner.schedule["mon"] == 8 * 3600
        assert partner.timezone_from_import
        project = queries.project_by_code(s, "acme-web")
        assert project.approver_id == partner.id and str(project.rate) == "250.0000"


def test_import_is_idempotent(engine: object, sessions: sessionmaker[Session], clock: Clock) -> None:
    do_import(sessions, FIRM_YAML, clock)
    again = do_import(sessions, FIRM_YAML, clock)
    assert counts(sessions) == {"people": 2, "clients": 1, "projects": 1, "tasks": 2, "work_types": 3}
    assert "Nothing changed" in again.describe()


def test_import_updates_in_place(engine: object, sessions: sessionmaker[Session], clock: Clock) -> None:
    do_import(sessions, FIRM_YAML, clock)
    summary = do_import(sessions, FIRM_YAML.replace("rate: 250", "rate: 275"), clock)
    assert summary.updated["projects"] == 1
    with session_scope(sessions) as s:
        assert str(queries.project_by_code(s, "ACME-WEB").rate) == "275.0000"


@pytest.mark.parametrize(
    ("mutation", "needle"),
    [
        (("rate: 150}", "rate: 150, rte: 3}"), "people[1] (U0MEMBER): unknown key 'rte'"),
        (("approver: U0PARTNER", "approver: U0NOBODY"), "approver 'U0NOBODY' is not a person"),
        (
            ("timezone: Europe/Berlin", "timezone: Mars/Olympus"),
            "people[1] (U0MEMBER): timezone 'Mars/Olympus'",
        ),
        (("role: partner", "role: boss"), "role 'boss'"),
        (("billing: hourly", "billing: weekly"), "billing 'weekly'"),
        (("rate: 400", "rate: -5"), "rate must be zero or more"),
        (("rate: 400", "rate: lots"), "rate must be a number"),
        (("billing_increment_minutes: 6", "billing_increment_minutes: 7"), "must divide 60"),
        (("currency: USD, billing", "currency: dollars, billing"), "3-letter ISO 4217"),
        (("required_fields: [description]", "required_fields: [colour]"), "'colour' is not one of"),
        (("work_types: [", "widgets: 1\nwork_types: ["), "top level: unknown key 'widgets'"),
    ],
)
def test_bad_file_names_the_problem_and_imports_nothing(
    engine: object, sessions: sessionmaker[Session], clock: Clock, mutation: tuple[str, str], needle: str
) -> None:
    old, new = mutation
    assert old in FIRM_YAML
    with pytest.raises(ImportError_) as err:
        do_import(sessions, FIRM_YAML.replace(old, new, 1), clock)
    assert needle in err.value.message
    assert counts(sessions) == {"people": 0, "clients": 0, "projects": 0, "tasks": 0, "work_types": 0}


def test_duplicate_project_code_is_refused(
    engine: object, sessions: sessionmaker[Session], clock: Clock
) -> None:
    text = FIRM_YAML + "  - {name: Beta, projects: [{name: Other, code: acme-web}]}\n"
    text = text.replace("work_types: [Research, Drafting, Meeting]\n", "") + "work_types: [Research]\n"
    with pytest.raises(ImportError_, match="duplicate project code 'acme-web'"):
        do_import(sessions, text, clock)
    assert counts(sessions)["projects"] == 0


def test_invalid_yaml_reports_the_line(engine: object, sessions: sessionmaker[Session], clock: Clock) -> None:
    with pytest.raises(ImportError_, match="not valid YAML at line 3"):
        do_import(sessions, "people:\n  - {slack_id: U1, name: [\n", clock)


def test_import_timezone_wins_over_slack(
    engine: object, sessions: sessionmaker[Session], clock: Clock
) -> None:
    from bot.services.people import SlackProfile, get_or_register, refresh_profile

    with write_scope(sessions) as conn:
        get_or_register(conn, "U0MEMBER", now=clock())
        refresh_profile(conn, "U0MEMBER", SlackProfile("Max", "Asia/Tokyo"), now=clock())
    do_import(sessions, FIRM_YAML, clock)
    with session_scope(sessions) as s:
        person = queries.person_by_slack_id(s, "U0MEMBER")
        assert person is not None and person.timezone == "Europe/Berlin" and person.name == "Max Member"


RATES_YAML = """
rates:
  - {person: U0MEMBER, project: ACME-WEB, rate: 275, from: 2026-10-01}
  - {task: ACME-WEB/Design, rate: 300.125, from: 2026-01-01}
  - {person: U0MEMBER, rate: 90, from: 2026-01-01, cost: true}
"""


def test_rates_import_at_their_levels_and_upsert(
    engine: object, sessions: sessionmaker[Session], clock: Clock
) -> None:
    from storage.models import Rate, RateKind

    summary = do_import(sessions, FIRM_YAML + RATES_YAML, clock)
    assert summary.created["rates"] == 3
    again = do_import(sessions, FIRM_YAML + RATES_YAML.replace("rate: 275", "rate: 280"), clock)
    assert (again.created["rates"], again.updated["rates"]) == (0, 1)
    with session_scope(sessions) as s:
        found = {(r.kind, r.level, str(r.rate)) for r in s.scalars(select(Rate))}
    assert found == {
        (RateKind.BILL, "person_project", "280.0000"),
        (RateKind.BILL, "task", "300.1250"),
        (RateKind.COST, "person", "90.0000"),
    }


@pytest.mark.parametrize(
    ("rates", "needle"),
    [
        ("[{project: NOPE, rate: 1, from: 2026-01-01}]", "project 'NOPE' is not a project code"),
        ("[{task: ACME-WEB/Nope, rate: 1, from: 2026-01-01}]", "must be CODE/Task"),
        ("[{project: ACME-WEB, rate: -1, from: 2026-01-01}]", "rate must be zero or more"),
        ("[{project: ACME-WEB, rate: 1, from: soon}]", "must be a date"),
        ("[{rate: 1, from: 2026-01-01}]", "name a person, a client"),
        (
            "[{project: ACME-WEB, rate: 1, from: 2026-01-01}, {project: acme-web, rate: 2, from: 2026-01-01}]",
            "overlaps rates[0]",
        ),
    ],
)
def test_bad_rates_refuse_the_whole_file(
    engine: object, sessions: sessionmaker[Session], clock: Clock, rates: str, needle: str
) -> None:
    with pytest.raises(ImportError_) as err:
        do_import(sessions, FIRM_YAML + f"rates: {rates}\n", clock)
    assert needle in err.value.message
    assert counts(sessions)["projects"] == 0


def test_unknown_currency_and_bad_rounding_are_refused(
    engine: object, sessions: sessionmaker[Session], clock: Clock
) -> None:
    bad = FIRM_YAML.replace(
        "currency: USD, billing_increment", "currency: XYZ, rounding: sideways, billing_increment"
    )
    with pytest.raises(ImportError_) as err:
        do_import(sessions, bad, clock)
    assert "currency 'XYZ'" in err.value.message and "rounding 'sideways'" in err.value.message


def test_fixed_fee_projects_carry_a_fee_and_milestones(
    engine: object, sessions: sessionmaker[Session], clock: Clock
) -> None:
    text = FIRM_YAML.replace("work_types: [Research, Drafting, Meeting]\n", "") + (
        "  - name: Beta LLC\n    projects:\n"
        "      - {name: Audit, code: BETA-AUD, billing: fixed_fee, fee: 12000,\n"
        "         milestones: [{name: Fieldwork, amount: 7000, due: 2026-12-15}, {name: Report, amount: 5000}]}\n"
    )
    do_import(sessions, text + "work_types: [Research]\n", clock)
    with session_scope(sessions) as s:
        audit = queries.project_by_code(s, "BETA-AUD")
        assert str(audit.fee) == "12000.0000"
        assert audit.milestones == [
            {"name": "Fieldwork", "amount": "7000", "due": "2026-12-15"},
            {"name": "Report", "amount": "5000", "due": ""},
        ]
    too_much = text.replace("amount: 5000", "amount: 6000") + "work_types: [Research]\n"
    with pytest.raises(ImportError_, match="more than the fee"):
        do_import(sessions, too_much, clock)
    hourly_fee = FIRM_YAML.replace("billing: hourly,", "billing: hourly, fee: 100,")
    with pytest.raises(ImportError_, match="fee is for billing: fixed_fee"):
        do_import(sessions, hourly_fee, clock)


def test_client_approver_is_imported_and_updated_in_place(
    engine: object, sessions: sessionmaker[Session], clock: Clock
) -> None:
    text = FIRM_YAML.replace("    currency: USD\n", "    currency: USD\n    approver: U0PARTNER\n", 1)
    do_import(sessions, text, clock)
    with session_scope(sessions) as s:
        partner = queries.person_by_slack_id(s, "U0PARTNER")
        client = s.scalars(select(Client)).one()
        assert partner is not None and client.approver_id == partner.id
    summary = do_import(sessions, text.replace("approver: U0PARTNER\n", "approver: U0MEMBER\n", 1), clock)
    assert summary.updated["clients"] == 1
    with session_scope(sessions) as s:
        member = queries.person_by_slack_id(s, "U0MEMBER")
        assert member is not None and s.scalars(select(Client)).one().approver_id == member.id


def test_unknown_client_approver_names_the_client_and_imports_nothing(
    engine: object, sessions: sessionmaker[Session], clock: Clock
) -> None:
    text = FIRM_YAML.replace("    currency: USD\n", "    currency: USD\n    approver: U0NOBODY\n", 1)
    with pytest.raises(ImportError_) as err:
        do_import(sessions, text, clock)
    assert "clients[0] (Acme Corp): approver 'U0NOBODY' is not a person" in err.value.message
    assert counts(sessions) == {"people": 0, "clients": 0, "projects": 0, "tasks": 0, "work_types": 0}
