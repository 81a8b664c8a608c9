"""Share links over HTTP, served beside Slack's endpoint: the page shows the client's own
billable hours (approved apart from awaiting approval, no drafts), never a rate, an amount, a
cost or another client; an unknown, expired or revoked token gets the same 404; the token is
kept only as its hash; each opening is counted."""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.errors import Refused, UserError
from bot.services import sharing
from bot.services.freeze import freeze
from storage.models import EntryStatus, Person, Project, ShareLink, Task, TimeEntry
from tests.conftest import RunningApp, import_firm, session_scope

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
FIRM = """
workspace: {timezone: UTC, currency: USD, billing_increment_minutes: 6}
firm: {name: Hale & Partners LLP}
people:
  - {slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: UTC, rate: 400}
  - {slack_id: U0MEMBER, name: Max Member, role: member, timezone: UTC, rate: 150}
clients:
  - name: Acme Corp
    billing_channel: C0BILLING
    projects:
      - {name: Website, code: WEB, rate: 287.5, budget_hours: 10, tasks: [{name: Design, rate: 312.5}, {name: Build}]}
      - {name: Audit, code: AUD, rate: 199}
  - name: Globex
    projects:
      - {name: Secret Merger, code: SECRET, rate: 999}
work_types: [Research, Drafting]
"""


@pytest.fixture
def app(running_app: RunningApp) -> Iterator[RunningApp]:
    running_app.clock.set(NOW)
    import_firm(running_app.db, FIRM, NOW)
    yield running_app


def entry(app: RunningApp, code: str, day: date, hours: str, status: EntryStatus, *, task: str | None = None,
          description: str = "work", billable: bool = True) -> int:  # fmt: skip
    with app.db.transaction() as conn:
        person = conn.scalar(select(Person.id).where(Person.slack_id == "U0MEMBER"))
        project = conn.scalar(select(Project.id).where(Project.code == code))
        task_id = (
            conn.scalar(select(Task.id).where(Task.project_id == project, Task.name == task))
            if task
            else None
        )
        frozen = status in (EntryStatus.APPROVED, EntryStatus.BILLED)
        entry_id = int(conn.execute(insert(TimeEntry).values(
            person_id=person, project_id=project, task_id=task_id, date=day, description=description,
            duration_seconds=int(Decimal(hours) * 3600), billable=billable,
            status=EntryStatus.SUBMITTED if frozen else status, created_at=NOW, updated_at=NOW,
        ).returning(TimeEntry.id)).scalar_one())  # fmt: skip
        if frozen:
            freeze(conn, [entry_id], status=EntryStatus.APPROVED, now=NOW)
        return entry_id


def month(app: RunningApp) -> None:
    entry(app, "WEB", date(2026, 11, 3), "1.5", EntryStatus.APPROVED, task="Design", description="Wireframes")
    entry(app, "WEB", date(2026, 11, 4), "2", EntryStatus.SUBMITTED, task="Build", description="Templates")
    entry(app, "WEB", date(2026, 11, 5), "0.7", EntryStatus.APPROVED, task="Build", description="Footer")
    entry(app, "WEB", date(2026, 11, 6), "4", EntryStatus.DRAFT, task="Build", description="DRAFT-ONLY")
    entry(app, "WEB", date(2026, 11, 7), "1", EntryStatus.REJECTED, task="Build", description="SENT-BACK")
    entry(app, "AUD", date(2026, 11, 9), "3", EntryStatus.APPROVED, description="Ledger review")
    entry(
        app, "AUD", date(2026, 11, 10), "2", EntryStatus.APPROVED, description="INTERNAL-ONLY", billable=False
    )
    entry(app, "SECRET", date(2026, 11, 3), "8", EntryStatus.APPROVED, description="GLOBEX-MERGER")
    entry(
        app, "WEB", date(2026, 10, 20), "5", EntryStatus.APPROVED, task="Design", description="October work"
    )


def make(app: RunningApp, **kwargs: Any) -> sharing.Created:
    with app.db.transaction() as conn:
        return sharing.create(conn, "U0PARTNER", client=kwargs.pop("client", "Acme"), now=NOW, **kwargs)


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read().decode()


def test_the_page_shows_the_clients_own_billable_hours_and_nothing_internal(app: RunningApp) -> None:
    month(app)
    link = make(app, descriptions=True)
    status, headers, page = get(f"{app.url}/r/{link.token}")
    assert status == 200
    assert headers["referrer-policy"] == "no-referrer" and "noindex" in headers["x-robots-tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in page
    # Approved at billed hours (0.7 h bills 0.7; 1.5 h 1.5; 3 h 3), awaiting as recorded.
    assert '<b id="approved">5.20</b>' in page and '<b id="awaiting">2.00</b>' in page
    for shown in ("Wireframes", "Templates", "Footer", "Ledger review", "WEB · Website", "Design", "Build"):
        assert shown in page, shown
    content = page.split("</style>", 1)[1]  # what the page says, its style aside
    for hidden in ("DRAFT-ONLY", "SENT-BACK", "INTERNAL-ONLY", "GLOBEX", "Globex", "SECRET", "October work",
                   "287", "312", "199", "400", "150", "$", "USD", "rate", "amount", "cost"):  # fmt: skip
        assert hidden not in content, hidden
    assert "<script" not in page and "http://" not in page.replace('content="width=device-width', "")
    # The budget: 10 h, used 1.5 + 2 + 0.7 + 5 (October's too: a total budget) = 9.2 h.
    assert "9.20 of 10.00 hours · 92 %" in page


def test_the_period_picker_and_the_csv_show_the_same_figures(app: RunningApp) -> None:
    month(app)
    link = make(app, descriptions=True)
    _status, _headers, october = get(f"{app.url}/r/{link.token}?from=2026-10-01&to=2026-10-31")
    assert (
        '<b id="approved">5.00</b>' in october and "October work" in october and "Wireframes" not in october
    )
    _status, _headers, wrong = get(f"{app.url}/r/{link.token}?from=2026-11-30&to=2026-11-01")
    assert "could not be read" in wrong and '<b id="approved">5.20</b>' in wrong  # this month instead
    status, headers, text = get(f"{app.url}/r/{link.token}/hours.csv?from=2026-11-01&to=2026-11-20")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert 'filename="hours-2026-11-01-2026-11-20.csv"' in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(text)))
    total = next(r for r in rows if r["row"] == "total")
    assert (total["approved_hours"], total["awaiting_hours"]) == ("5.20", "2.00")
    grouped = [r for r in rows if r["row"] == "hours"]
    assert sum(Decimal(r["approved_hours"]) for r in grouped) == Decimal("5.20")
    assert sorted(r["description"] for r in rows if r["row"] == "entry") == [
        "Footer", "Ledger review", "Templates", "Wireframes"]  # fmt: skip
    assert not ({"rate", "amount", "cost"} & set(rows[0]))


def test_without_descriptions_and_for_one_project_the_page_shows_less(app: RunningApp) -> None:
    month(app)
    link = make(app, project="aud")
    _status, _headers, page = get(f"{app.url}/r/{link.token}")
    assert "Acme Corp · AUD" in page and '<b id="approved">3.00</b>' in page
    assert "Ledger review" not in page and "Website" not in page and 'id="entries"' not in page
    with pytest.raises(UserError, match="no project with the code 'SECRET'"):
        make(app, project="SECRET")


def test_unknown_expired_and_revoked_links_get_the_same_404_and_openings_are_counted(app: RunningApp) -> None:
    month(app)
    live, expiring, revoked = make(app), make(app, expires=date(2026, 11, 20)), make(app)
    with app.db.transaction() as conn:
        sharing.revoke(conn, "U0PARTNER", token=f"https://punchcard.example.com/r/{revoked.token}", now=NOW)
        with pytest.raises(Refused):  # once only
            sharing.revoke(conn, "U0PARTNER", link_id=revoked.link.id, now=NOW)
    assert get(f"{app.url}/r/{live.token}")[0] == 200
    assert get(f"{app.url}/r/{expiring.token}")[0] == 200  # its last day
    app.clock.set(datetime(2026, 11, 21, 0, 1, tzinfo=UTC))
    answers = [get(f"{app.url}/r/{token}") for token in (expiring.token, revoked.token, "x" * 32,
                                                          live.token[:-1] + "A", "short", "../../etc")]  # fmt: skip
    assert [status for status, _h, _p in answers[:5]] == [404] * 5
    assert len({page for _s, _h, page in answers[:5]}) == 1  # one answer for every reason
    assert all(h["referrer-policy"] == "no-referrer" for _s, h, _p in answers[:5])
    get(f"{app.url}/r/{live.token}")
    with session_scope(app.sessions) as s:
        stored = {row.hint: row for row in s.scalars(select(ShareLink))}
        assert all(len(row.token_hash) == 64 and live.token not in row.token_hash for row in stored.values())
        assert stored[live.token[:6]].opens == 2 and stored[live.token[:6]].last_opened_at is not None
        assert stored[expiring.token[:6]].opens == 1 and stored[revoked.token[:6]].opens == 0


def test_only_partners_and_admins_make_or_revoke_links(app: RunningApp) -> None:
    with app.db.transaction() as conn, pytest.raises(Refused, match="sharing_for_partners"):
        sharing.create(conn, "U0MEMBER", client="Acme", now=NOW)
    link = make(app)
    with app.db.transaction() as conn, pytest.raises(Refused, match="sharing_for_partners"):
        sharing.revoke(conn, "U0MEMBER", link_id=link.link.id, now=NOW)
    with app.db.transaction() as conn, pytest.raises(UserError, match="has passed"):
        sharing.create(conn, "U0PARTNER", client="Acme", expires=date(2026, 11, 19), now=NOW)
    assert len(link.token) >= 32  # 192 random bits, URL-safe
