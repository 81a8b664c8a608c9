"""Budget alerts: a budget alerts its alert channel once per threshold it crosses, again only
after falling below and crossing again, per period; money is the pricer's; the job catches
what the consumer missed and never doubles what it queued."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.scheduler import JOBS, run_job
from bot.services import budgets, entries, events, pricing
from bot.services.budgets import BudgetAlert, Pace
from bot.services.people import get_or_register
from bot.views import budgets as views
from storage.db import Database
from storage.models import BudgetMark, OutboxMessage, Task, TimeEntry
from tests.conftest import import_firm, session_scope
from tests.unit.test_timers import run

NOW = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)  # Tuesday 17 November, 10:00 in New York


def firm(db: Database, *, project: str = "", design: str = "budget_hours: 4", now: datetime = NOW) -> None:
    """Acme's website project with a budget of 10 h unless ``project`` says otherwise."""
    settings = project or "budget_hours: 10, alert_channel: C0ALERTS"
    import_firm(db, f"""
workspace: {{timezone: America/New_York, currency: USD, billing_increment_minutes: 6, required_fields: [description]}}
people:
  - {{slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: America/New_York, rate: 400}}
  - {{slack_id: U0MEMBER, name: Max Member, role: member, timezone: Europe/Berlin, rate: 150}}
clients:
  - name: Acme Corp
    currency: USD
    projects:
      - {{name: Website Redesign, code: ACME-WEB, billing: hourly, approver: U0PARTNER, rate: 250, {settings},
         tasks: [{{name: Design, rate: 300, {design}}}, {{name: Build}}]}}
""", now)  # fmt: skip


def consume(db: Database, now: datetime = NOW, *, expect: bool = True) -> int:
    """The consumer's turn; ``expect``: a change is waiting for it. On PostgreSQL a change is
    readable once every older transaction on the server has ended (storage/events.py), and
    other databases' tests share the server: wait for it."""
    deadline = time.monotonic() + 20
    while True:
        with db.transaction() as conn:
            handled = events.consume(
                conn, budgets.CONSUMER, budgets.on_entry_changes, now=now, from_start=True
            )
        if handled or not expect or time.monotonic() > deadline:
            return handled
        time.sleep(0.05)


def alerts(db: Database) -> list[tuple[str, dict[str, Any]]]:
    with db.transaction(read_only=True) as conn:
        rows = conn.execute(
            select(OutboxMessage.key, OutboxMessage.payload, OutboxMessage.channel)
            .where(OutboxMessage.kind == budgets.KIND)
            .order_by(OutboxMessage.id)
        )
        found = list(rows)
    assert all(channel == "C0ALERTS" for _k, _p, channel in found)
    return [(key, payload) for key, payload, _c in found]


def keys(db: Database) -> list[str]:
    return [key for key, _ in alerts(db)]


def ids(db: Database) -> tuple[int, int]:
    """(the project's id, Design's id)."""
    with session_scope_of(db) as s:
        design = s.scalars(select(Task).where(Task.name == "Design")).one()
        return design.project_id, design.id


def session_scope_of(db: Database) -> Any:
    from sqlalchemy.orm import sessionmaker

    return session_scope(sessionmaker(db.engine))


def log(db: Database, text: str, now: datetime = NOW, user: str = "U0MEMBER") -> int:
    return run(db, f"log {text}", now, user=user).saved.entry.id  # type: ignore[attr-defined,no-any-return]


def test_each_threshold_alerts_once_as_consumption_reaches_it(db: Database) -> None:
    firm(db)
    project, _ = ids(db)
    log(db, "5h acme Build footer")
    consume(db)
    log(db, "3h acme Build header")
    consume(db)
    log(db, "1h acme Build nav")
    consume(db)  # 90 %: no threshold
    log(db, "1h acme Build search")
    consume(db)
    consume(db, expect=False)
    subject = f"project:{project}"
    assert keys(db) == [f"budget:{subject}:total:{t}:1" for t in (50, 80, 100)]
    last = BudgetAlert.from_payload(alerts(db)[-1][1])
    assert (last.threshold, last.consumption.seconds, last.consumption.pace) == (100, 36000, Pace.OVER)


def test_one_change_past_two_thresholds_alerts_once_naming_the_highest(db: Database) -> None:
    firm(db)
    project, _ = ids(db)
    log(db, "8h30m acme Build the whole site")
    consume(db)
    assert keys(db) == [f"budget:project:{project}:total:80:1"]
    [(_key, payload)] = alerts(db)
    assert "80 % of its budget" in views.alert(BudgetAlert.from_payload(payload))["text"]
    with session_scope_of(db) as s:
        marks = {
            m.threshold: m.above
            for m in s.scalars(select(BudgetMark).where(BudgetMark.subject == f"project:{project}"))
        }
    assert marks == {50: True, 80: True}  # 50 was passed on the way: it does not alert later


def test_falling_below_and_crossing_again_alerts_again(db: Database) -> None:
    firm(db)
    project, _ = ids(db)
    entry = log(db, "6h acme Build footer")
    consume(db)
    with db.transaction() as conn:
        member = get_or_register(conn, "U0MEMBER", now=NOW)
        entries.delete(conn, member, entry, now=NOW)
    consume(db)
    log(db, "2h acme Build header")  # 20 %: below again, nothing to say
    consume(db)
    log(db, "4h acme Build nav")
    consume(db)
    assert keys(db) == [f"budget:project:{project}:total:50:1", f"budget:project:{project}:total:50:2"]


def test_a_monthly_budget_counts_the_month_and_starts_again_in_the_next(db: Database) -> None:
    firm(db, project="budget_hours: 10, budget_period: monthly, alert_channel: C0ALERTS")
    project, _ = ids(db)
    log(db, "6h acme Build footer")
    consume(db)
    december = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    log(db, "5h acme Build header", december)
    consume(db, december)
    assert keys(db) == [f"budget:project:{project}:2026-11:50:1", f"budget:project:{project}:2026-12:50:1"]
    december_alert = BudgetAlert.from_payload(alerts(db)[-1][1]).consumption
    assert (december_alert.seconds, december_alert.period) == (
        5 * 3600,
        "2026-12",
    )  # November's 6 h are not in it


def test_an_amount_budget_is_priced_by_the_pricer(db: Database) -> None:
    firm(db, project="budget_amount: 2000, alert_channel: C0ALERTS", design="budget_amount: 1000")
    project, design = ids(db)
    log(db, "2h acme Build footer")  # 2 h at the project's 250
    consume(db)
    assert keys(db) == []  # $500 of $2,000
    log(db, "2h45m acme Design wireframes")  # 2.8 h billed (6-minute increments) at Design's 300
    consume(db)
    with db.transaction(read_only=True) as conn:
        priced = sum(
            (pricing.from_minor(line[3] or 0, "USD") for line in pricing.price_batch(conn)), Decimal(0)
        )
    assert priced == Decimal("1340.00")
    assert keys(db) == [f"budget:project:{project}:total:50:1", f"budget:task:{design}:total:80:1"]
    by_key = dict(alerts(db))
    whole = BudgetAlert.from_payload(by_key[f"budget:project:{project}:total:50:1"]).consumption
    assert (whole.amount, whole.currency, whole.budget_amount) == (priced, "USD", Decimal("2000"))
    text = str(views.alert(BudgetAlert.from_payload(by_key[f"budget:task:{design}:total:80:1"])))
    assert "$840.00 of $1,000.00" in text


def test_a_task_budget_alerts_on_its_own(db: Database) -> None:
    firm(db)
    _, design = ids(db)
    log(db, "2h acme Design wireframes")
    consume(db)
    [(key, payload)] = alerts(db)  # the project is at 20 %: only Design (4 h) alerts
    assert key == f"budget:task:{design}:total:50:1"
    message = views.alert(BudgetAlert.from_payload(payload))
    assert "Design on Website Redesign (ACME-WEB)" in message["text"] and "▓▓▓▓▓░░░░░ 50 %" in message["text"]


def test_custom_alert_thresholds_replace_the_defaults(db: Database) -> None:
    firm(
        db,
        project="budget_hours: 10, alert_channel: C0ALERTS, alert_thresholds: [25, 75]",
        design="billable: true",
    )
    project, _ = ids(db)
    log(db, "3h acme Build footer")
    consume(db)
    log(db, "2h30m acme Build header")
    consume(db)  # 55 %: the default 50 is not a threshold here
    log(db, "2h acme Build nav")
    consume(db)
    assert keys(db) == [f"budget:project:{project}:total:25:1", f"budget:project:{project}:total:75:1"]


def test_without_an_alert_channel_nothing_is_queued_but_the_marks_are_kept(db: Database) -> None:
    firm(db, project="budget_hours: 10", design="billable: true")
    project, _ = ids(db)
    log(db, "6h acme Build footer")
    consume(db)
    assert keys(db) == []
    with session_scope_of(db) as s:
        [mark] = s.scalars(select(BudgetMark)).all()
        assert (mark.subject, mark.threshold, mark.above, mark.crossings) == (
            f"project:{project}",
            50,
            True,
            1,
        )


def test_the_job_queues_what_the_consumer_missed_and_never_doubles(db: Database) -> None:
    firm(db)
    project, _ = ids(db)
    log(db, "6h acme Build footer")
    job = JOBS["budget-alerts"]
    ran = run_job(db, job, now=NOW, manual=True)
    assert ran is not None and ran.result == [f"budget:project:{project}:total:50:1"]
    consume(db)  # the consumer sees the change afterwards: already alerted
    again = run_job(db, job, now=NOW + timedelta(minutes=15), manual=True)
    assert again is not None and again.result == []
    log(db, "3h acme Build header")  # the job and the consumer race for the 80 % crossing
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(run_job(db, job, now=NOW, manual=True)))
               for _ in range(3)] + [threading.Thread(target=lambda: results.append(consume(db)))]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert keys(db) == [f"budget:project:{project}:total:50:1", f"budget:project:{project}:total:80:1"]


def test_consumption_gives_burn_projection_approved_part_and_top_contributors(db: Database) -> None:
    firm(db, project="budget_hours: 100, alert_channel: C0ALERTS")
    project, _ = ids(db)
    log(db, "8h acme Build a on 2026-11-02")  # 15 days ago: not in the burn
    log(db, "6h acme Build b on 2026-11-05")  # the older week
    log(db, "4h acme Build c on 2026-11-16")  # the last seven days
    log(db, "4h acme Build d on 2026-11-16", user="U0PARTNER")
    with db.transaction() as conn:
        conn.execute(
            TimeEntry.__table__.update().where(TimeEntry.description == "a").values(status="approved")
        )
        [whole, design] = budgets.consumption(conn, project, NOW)
    assert (whole.seconds, whole.approved_seconds, whole.burn_seconds) == (
        22 * 3600,
        8 * 3600,
        (6 * 3600, 8 * 3600),
    )
    # 78 h left at 14 h a fortnight: 78 days from today
    assert (whole.pace, whole.runs_out) == (Pace.DATE, date(2026, 11, 17) + timedelta(days=78))
    assert whole.contributors == (("U0MEMBER", 18 * 3600), ("U0PARTNER", 4 * 3600))
    assert (design.task_name, design.seconds, design.pace) == ("Design", 0, Pace.NONE)
    assert "not at this pace" in str(views.alert(BudgetAlert(50, design)))


def test_the_outlook_is_over_none_a_date_or_not_this_month() -> None:
    today = date(2026, 11, 17)
    assert budgets.projection(10, 12, 5, today) == (Pace.OVER, None)
    assert budgets.projection(10, 5, 0, today) == (Pace.NONE, None)
    assert budgets.projection(10, 5, 7, today) == (Pace.DATE, date(2026, 11, 27))
    month_end = date(2026, 11, 30)
    assert budgets.earliest([(Pace.DATE, date(2026, 12, 4))], month_end) == (Pace.AFTER_PERIOD, None)
    assert budgets.earliest([(Pace.DATE, date(2026, 11, 27)), (Pace.NONE, None)], month_end) == (
        Pace.DATE, date(2026, 11, 27))  # fmt: skip
    assert budgets.crossing([50, 80, 100], Decimal(85), {50}) == ([80], [])
    assert budgets.crossing([50, 80, 100], Decimal(60), {50, 80}) == ([], [80])
    assert views.bar(Decimal("79.9")) == "▓▓▓▓▓▓▓░░░ 79 %" and views.bar(Decimal(130)).startswith("▓" * 10)


def test_a_trickle_of_burn_projects_no_run_out_date_rather_than_one_past_the_calendar() -> None:
    from datetime import date as day

    from bot.services.budgets import Pace, projection

    assert projection(360_000, 1, 1, day(2026, 12, 2)) == (Pace.NONE, None)  # 100 h, a second burnt
    assert projection(100, 50, 50, day(2026, 12, 2)) == (Pace.DATE, day(2026, 12, 16))
