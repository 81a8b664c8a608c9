import csv
import io
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services import export
from tests.conftest import Clock, read_scope, session_scope, write_scope
from tests.unit.test_timers import run

HEADER = "date,person,client,project,task,description,work_type,hours,raw_hours,billable,rate,amount,currency,status,invoice"


def export_csv(sessions: sessionmaker[Session], **kwargs: object) -> list[dict[str, str]]:
    out = io.StringIO()
    with read_scope(sessions) as conn:
        export.write_csv(out, export.rows(conn, **kwargs), with_cost=bool(kwargs.get("with_cost")))  # type: ignore[arg-type]
    text = out.getvalue()
    assert text.splitlines()[0] == HEADER + (",cost_rate,cost" if kwargs.get("with_cost") else "")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_has_one_row_per_entry_with_exact_header(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(sessions, 'log 1h30m acme Design type:Research "wireframes, v2" on monday', clock())
    run(sessions, "start acme Build footer", clock())
    run(sessions, "stop", clock() + timedelta(minutes=20))
    rows = export_csv(sessions)
    assert len(rows) == 2
    first = rows[0]
    assert first == {
        "date": "2026-11-16",
        "person": "U0MEMBER",
        "client": "Acme Corp",
        "project": "ACME-WEB",
        "task": "Design",
        "description": "wireframes, v2",
        "work_type": "Research",
        "hours": "1.50",
        "raw_hours": "1.50",
        "billable": "true",
        "rate": "300.00",
        "amount": "450.00",
        "currency": "USD",
        "status": "draft",
        "invoice": "",
    }
    # 20 minutes, billed in 6-minute increments rounded up: 0.4 h at the project's 250.
    second = rows[1]
    assert (second["raw_hours"], second["hours"], second["rate"], second["amount"]) == (
        "0.33",
        "0.40",
        "250.00",
        "100.00",
    )
    assert second["date"] == "2026-11-17"


def test_export_filters(firm: None, sessions: sessionmaker[Session], clock: Clock) -> None:
    run(sessions, "log 1h acme a on monday", clock())
    run(sessions, "log 1h acme b", clock())
    run(sessions, "log 1h acme c", clock(), user="U0PARTNER")
    assert len(export_csv(sessions, first=date(2026, 11, 17))) == 2
    assert len(export_csv(sessions, last=date(2026, 11, 16))) == 1
    assert [r["person"] for r in export_csv(sessions, person="U0PARTNER")] == ["U0PARTNER"]
    assert len(export_csv(sessions, client="acme corp")) == 3


def test_export_refuses_unknown_client(firm: None, sessions: sessionmaker[Session]) -> None:
    from bot.errors import Refused
    from bot.views.refusals import explain

    try:
        export_csv(sessions, client="Nobody Inc")
    except Refused as err:
        assert explain(err) == "no client named 'Nobody Inc'"
    else:
        raise AssertionError("expected a refusal")


def test_back_dated_rate_change_moves_drafts_but_not_approved_entries(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    from sqlalchemy import update

    from bot.services.freeze import freeze
    from bot.services.importer import import_yaml
    from storage.models import EntryStatus, TimeEntry
    from tests.conftest import FIRM_YAML

    run(sessions, "log 1h acme Build approved one on monday", clock())
    run(sessions, "log 1h acme Build draft one on monday", clock())
    with session_scope(sessions) as s:
        approved = s.scalars(select(TimeEntry).where(TimeEntry.description == "approved one")).one()
        assert freeze(s.connection(), [approved.id], now=clock()) == 1
        s.execute(update(TimeEntry).where(TimeEntry.id == approved.id).values(status=EntryStatus.APPROVED))
    with write_scope(sessions) as conn:  # a back-dated person-on-project rate
        import_yaml(
            conn,
            FIRM_YAML + "rates: [{person: U0MEMBER, project: ACME-WEB, rate: 275, from: 2026-11-01}]\n",
            now=clock(),
        )
    by_description = {r["description"]: r for r in export_csv(sessions)}
    assert (by_description["approved one"]["rate"], by_description["approved one"]["amount"]) == (
        "250.00",
        "250.00",
    )
    assert (by_description["draft one"]["rate"], by_description["draft one"]["amount"]) == (
        "275.00",
        "275.00",
    )
    assert by_description["approved one"]["status"] == "approved"


def test_cost_columns_on_request(firm: None, sessions: sessionmaker[Session], clock: Clock) -> None:
    from bot.services.importer import import_yaml
    from tests.conftest import FIRM_YAML

    with write_scope(sessions) as conn:
        import_yaml(
            conn,
            FIRM_YAML + "rates: [{person: U0MEMBER, rate: 90, from: 2026-01-01, cost: true}]\n",
            now=clock(),
        )
    run(sessions, "log 1h30m acme Build footer", clock())
    [row] = export_csv(sessions, with_cost=True)
    assert (row["cost_rate"], row["cost"], row["amount"]) == ("90.00", "135.00", "375.00")


def test_batch_pricing_agrees_with_entry_by_entry_pricing(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    import random
    from decimal import Decimal

    from bot.services import pricing
    from bot.services.importer import import_yaml
    from storage import prices
    from tests.conftest import FIRM_YAML

    rates = """
rates:
  - {person: U0MEMBER, project: ACME-WEB, rate: 275.5, from: 2026-11-10}
  - {task: ACME-WEB/Build, rate: 180, from: 2026-11-12}
  - {person: U0PARTNER, task: ACME-WEB/Design, rate: 410.1234, from: 2026-11-01}
  - {client: Acme Corp, rate: 199, from: 2026-11-15}
"""
    with write_scope(sessions) as conn:
        import_yaml(
            conn,
            FIRM_YAML.replace(
                "billing_increment_minutes: 6", "billing_increment_minutes: 15, rounding: nearest"
            )
            + rates,
            now=clock(),
        )
    rng = random.Random(3)
    for i in range(60):
        who = rng.choice(["U0MEMBER", "U0PARTNER"])
        task = rng.choice(["Design", "Build", ""])
        run(
            sessions,
            f"log {rng.randint(1, 600)}m acme {task} entry {i} on 2026-11-{rng.randint(1, 17):02d}",
            clock(),
            user=who,
        )
    with session_scope(sessions) as s:
        conn = s.connection()
        pricer = pricing.Pricer.load(conn)
        single = {f.id: pricer.price(f) for f in prices.facts(conn)}
        batch = {line[0]: line for line in pricing.price_batch(conn)}
    assert single.keys() == batch.keys() and len(batch) == 60
    for entry_id, price in single.items():
        _, billed_seconds, rate, amount_minor, _, _ = batch[entry_id]
        assert billed_seconds == price.billed_seconds
        assert rate == price.rate
        assert (None if amount_minor is None else Decimal(amount_minor).scaleb(-2)) == price.amount
