import csv
import io
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.errors import UserError
from bot.services import export
from storage.db import session_scope
from tests.conftest import Clock
from tests.unit.test_timers import run

HEADER = (
    "date,person,client,project,task,description,work_type,hours,billable,rate,amount,currency,status,invoice"
)


def export_csv(sessions: sessionmaker[Session], **kwargs: object) -> list[dict[str, str]]:
    out = io.StringIO()
    with session_scope(sessions) as s:
        export.write_csv(out, export.rows(s, **kwargs))  # type: ignore[arg-type]
    text = out.getvalue()
    assert text.splitlines()[0] == HEADER
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
        "billable": "true",
        "rate": "",
        "amount": "",
        "currency": "USD",
        "status": "draft",
        "invoice": "",
    }
    assert rows[1]["hours"] == "0.33" and rows[1]["date"] == "2026-11-17"


def test_export_filters(firm: None, sessions: sessionmaker[Session], clock: Clock) -> None:
    run(sessions, "log 1h acme a on monday", clock())
    run(sessions, "log 1h acme b", clock())
    run(sessions, "log 1h acme c", clock(), user="U0PARTNER")
    assert len(export_csv(sessions, first=date(2026, 11, 17))) == 2
    assert len(export_csv(sessions, last=date(2026, 11, 16))) == 1
    assert [r["person"] for r in export_csv(sessions, person="U0PARTNER")] == ["U0PARTNER"]
    assert len(export_csv(sessions, client="acme corp")) == 3


def test_export_refuses_unknown_client(firm: None, sessions: sessionmaker[Session]) -> None:
    try:
        export_csv(sessions, client="Nobody Inc")
    except UserError as err:
        assert "no client named" in err.message
    else:
        raise AssertionError("expected a refusal")
