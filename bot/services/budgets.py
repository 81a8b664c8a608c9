"""Budgets: where each budgeted project and task stands (:func:`consumption`, also what a
weekly digest reads), and the alerts the project's alert channel hears when consumption
crosses a threshold (:func:`evaluate`).

- Consumption is every entry of the project or task, whatever its status; the approved (and
  billed) part is shown beside it. A ``monthly`` budget (the project's ``budget_period``,
  for the project and its tasks) counts the entries dated in the current calendar month of
  the workspace's timezone (period ``YYYY-MM``), a ``total`` one all of them (``total``).
- Money is the one pricer's (``pricing.Pricer.lines``), in the client's currency.
- Burn is the time (and money) of the last 14 days, today included, in two weeks; at that
  pace the budget runs out on a projected day (none when nothing was burnt, "over" when it is).
- A threshold (``alert_thresholds``, else 50, 80 and 100 %) alerts once when consumption
  reaches it, and again only after consumption fell below it and reached it again: the
  marks in ``budget_marks`` (``storage.budgets``). One change past several thresholds queues
  one alert, naming the highest.

Evaluated right after entry changes commit (the ``budget-alerts`` consumer, ``bot.consumers``)
and by the ``budget-alerts`` job as a safety net; both hold the consumer's position lock, so
they take turns. One aggregate query per project, plus the pricer's batch for money budgets.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from bot.services.clock import local_date
from bot.services.money import digits, from_minor
from bot.services.pricing import Pricer
from storage import budgets as store
from storage import events, outbox
from storage import people as people_store
from storage.budgets import ProjectBudget, UsageRow
from storage.events import EntryEvent

CONSUMER = "budget-alerts"
KIND = "budget_alert"
BURN_DAYS = 14
HORIZON_DAYS = 3660  # a projection further out than ten years is "not at this pace"
TOP_CONTRIBUTORS = 5
APPROVED = frozenset({"approved", "billed"})


class Pace(StrEnum):
    OVER = "over"  # already past the budget
    NONE = "none"  # nothing burnt in the last two weeks: not at this pace
    DATE = "date"  # runs out on ``runs_out``
    AFTER_PERIOD = "after_period"  # a monthly budget the month's end comes first to


@dataclass(frozen=True)
class Consumption:
    """Where one budget stands in its period. Hours are whole seconds; money is Decimal in
    ``currency`` (None unless the budget has an amount). ``burn_*``: the older week, then
    the last seven days (today included)."""

    subject: str  # "project:<id>" or "task:<id>"
    project_id: int
    task_id: int | None
    project_code: str
    project_name: str
    task_name: str | None
    period: str  # "total" or "YYYY-MM"
    today: date  # in the workspace's timezone
    budget_hours: Decimal | None
    seconds: int
    approved_seconds: int
    burn_seconds: tuple[int, int]
    budget_amount: Decimal | None
    amount: Decimal | None
    approved_amount: Decimal | None
    burn_amounts: tuple[Decimal, Decimal] | None
    currency: str
    locale: str
    percent: Decimal  # the larger of hours and money used, in percent of the budget
    pace: Pace
    runs_out: date | None  # with Pace.DATE
    contributors: tuple[tuple[str, int], ...] = field(default=())  # (Slack id, seconds), most first

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if isinstance(value, Decimal | date):
                value = str(value)
            elif name == "burn_amounts" and value is not None:
                value = [str(v) for v in value]
            elif name == "contributors":
                value = [list(c) for c in value]
            out[name] = value
        return out

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Consumption:
        def dec(v: Any) -> Decimal | None:
            return None if v is None else Decimal(v)

        return cls(**{
            **data,
            "today": date.fromisoformat(data["today"]),
            "budget_hours": dec(data["budget_hours"]), "budget_amount": dec(data["budget_amount"]),
            "amount": dec(data["amount"]), "approved_amount": dec(data["approved_amount"]),
            "burn_seconds": tuple(data["burn_seconds"]),
            "burn_amounts": None if (burn := data["burn_amounts"]) is None else tuple(map(Decimal, burn)),
            "percent": Decimal(data["percent"]), "pace": Pace(data["pace"]),
            "runs_out": None if data["runs_out"] is None else date.fromisoformat(data["runs_out"]),
            "contributors": tuple((str(s), int(n)) for s, n in data["contributors"]),
        })  # fmt: skip


@dataclass(frozen=True)
class BudgetAlert:
    """What the alert channel hears: the highest threshold one change took the budget past,
    with the figures as they were then."""

    threshold: int
    consumption: Consumption

    def payload(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "consumption": self.consumption.payload()}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> BudgetAlert:
        return cls(int(data["threshold"]), Consumption.from_payload(data["consumption"]))


# Pure rules ------------------------------------------------------------------------------


def period_of(budget_period: str, today: date) -> tuple[str, date, date]:
    """The period's key and its first and last day (``date.min``/``date.max`` for a total)."""
    if budget_period == "monthly":
        last = calendar.monthrange(today.year, today.month)[1]
        return f"{today:%Y-%m}", today.replace(day=1), today.replace(day=last)
    return "total", date.min, date.max


def percent_used(used: Decimal | int, budget: Decimal | None) -> Decimal | None:
    if budget is None or budget <= 0:
        return None
    return Decimal(used) * 100 / Decimal(budget)


def crossing(thresholds: Iterable[int], percent: Decimal, above: set[int]) -> tuple[list[int], list[int]]:
    """(thresholds reached that are not marked above yet, marked ones consumption is below now)."""
    ordered = sorted(set(thresholds))
    up = [t for t in ordered if percent >= t and t not in above]
    down = [t for t in ordered if percent < t and t in above]
    return up, down


def projection(budget: Decimal | int, used: Decimal | int, burnt: Decimal | int, today: date,
               *, days: int = BURN_DAYS) -> tuple[Pace, date | None]:  # fmt: skip
    """When a budget runs out if the last ``days`` days' burn goes on."""
    remaining = Decimal(budget) - Decimal(used)
    if remaining <= 0:
        return Pace.OVER, None
    if burnt <= 0:
        return Pace.NONE, None
    left_days = -(-remaining * days // Decimal(burnt))  # ceiling
    if left_days > HORIZON_DAYS:  # a trickle: not within any horizon a firm plans for
        return Pace.NONE, None
    return Pace.DATE, today + timedelta(days=int(left_days))


def earliest(outlooks: list[tuple[Pace, date | None]], last: date) -> tuple[Pace, date | None]:
    """Of hours and money, the outlook that comes first; a day past the period's end is none."""
    if not outlooks:
        return Pace.NONE, None
    if any(p is Pace.OVER for p, _ in outlooks):
        return Pace.OVER, None
    dated = sorted(d for p, d in outlooks if d is not None)
    if not dated:
        return Pace.NONE, None
    if dated[0] > last:
        return Pace.AFTER_PERIOD, None
    return Pace.DATE, dated[0]


def alert_key(subject: str, period: str, threshold: int, crossings: int) -> str:
    return f"budget:{subject}:{period}:{threshold}:{crossings}"


# Reading consumption ----------------------------------------------------------------------


@dataclass
class _Tally:
    seconds: int = 0
    approved: int = 0
    week1: int = 0
    week2: int = 0
    people: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    minor: int = 0
    approved_minor: int = 0
    week1_minor: int = 0
    week2_minor: int = 0


class _Prices:
    """The pricer, loaded once per evaluation and only when a money budget needs it."""

    def __init__(self) -> None:
        self._pricer: Pricer | None = None

    def get(self, conn: Connection) -> Pricer:
        if self._pricer is None:
            self._pricer = Pricer.load(conn)
        return self._pricer


def consumption(conn: Connection, project_id: int, now: datetime) -> list[Consumption]:
    """Where the project's budget and its tasks' budgets stand now, the project's first:
    used against the estimate (hours, and money for an amount budget), the approved part,
    the burn of each of the last two weeks, the projected day the budget runs out at that
    burn, and the top five people by hours in the period. Empty when nothing is budgeted."""
    found = store.budgeted(conn, [project_id])
    workspace = people_store.workspace(conn)
    return _consumption(conn, found[0], workspace.timezone, workspace.locale, now, _Prices()) if found else []


def _consumption(conn: Connection, project: ProjectBudget, tz: str, locale: str, now: datetime,
                 prices: _Prices) -> list[Consumption]:  # fmt: skip
    today = local_date(now, tz)
    period, first, last = period_of(project.period, today)
    burn_first, week2_first = today - timedelta(days=BURN_DAYS - 1), today - timedelta(days=6)
    rows = store.usage(conn, project.id, first=first, last=last, burn_first=burn_first,
                       week2_first=week2_first, today=today)  # fmt: skip
    tallies: dict[int | None, _Tally] = defaultdict(_Tally)  # None: the project
    for row in rows:
        _add(tallies[None], row)
        if row.task_id is not None:
            _add(tallies[row.task_id], row)
    currency = ""
    if project.priced:
        pricer = prices.get(conn)
        currency = pricer.terms[project.client_id].currency
        facts = store.facts(conn, project.id, since=min(first, burn_first))
        for fact, line in zip(facts, pricer.lines(facts), strict=True):
            minor, day = line[3] or 0, date.fromordinal(fact.day)
            for tally in (
                (tallies[None], tallies[fact.task_id]) if fact.task_id is not None else (tallies[None],)
            ):
                if first <= day <= last:
                    tally.minor += minor
                    tally.approved_minor += minor if fact.status in APPROVED else 0
                tally.week1_minor += minor if burn_first <= day < week2_first else 0
                tally.week2_minor += minor if week2_first <= day <= today else 0
    base = dict(project_id=project.id, project_code=project.code, project_name=project.name, period=period,
                today=today, currency=currency, locale=locale)  # fmt: skip
    out = []
    if project.budgeted:
        out.append(_figures(f"project:{project.id}", None, None, project.budget_hours, project.budget_amount,
                            tallies[None], last, base))  # fmt: skip
    for task in project.tasks:
        out.append(_figures(f"task:{task.id}", task.id, task.name, task.budget_hours, task.budget_amount,
                            tallies[task.id], last, base))  # fmt: skip
    return out


def _add(tally: _Tally, row: UsageRow) -> None:
    tally.seconds += row.seconds
    tally.approved += row.approved_seconds
    tally.week1 += row.week1_seconds
    tally.week2 += row.week2_seconds
    if row.seconds:
        tally.people[row.person] += row.seconds


def _figures(subject: str, task_id: int | None, task_name: str | None, hours: Decimal | None,
             amount: Decimal | None, t: _Tally, last: date, base: dict[str, Any]) -> Consumption:  # fmt: skip
    today: date = base["today"]
    percents, outlooks = [], []
    budget_seconds = hours * 3600 if hours is not None and hours > 0 else None
    if budget_seconds is not None:
        percents.append(percent_used(t.seconds, budget_seconds))
        outlooks.append(projection(budget_seconds, t.seconds, t.week1 + t.week2, today))
    money: dict[str, Any] = {"amount": None, "approved_amount": None, "burn_amounts": None}
    if amount is not None and base["currency"]:
        currency = base["currency"]
        money = {
            "amount": from_minor(t.minor, currency),
            "approved_amount": from_minor(t.approved_minor, currency),
            "burn_amounts": (from_minor(t.week1_minor, currency), from_minor(t.week2_minor, currency)),
        }
        if amount > 0:
            budget_minor = amount.scaleb(digits(currency))
            percents.append(percent_used(t.minor, budget_minor))
            outlooks.append(projection(budget_minor, t.minor, t.week1_minor + t.week2_minor, today))
    pace, runs_out = earliest(outlooks, last)
    top = sorted(t.people.items(), key=lambda p: (-p[1], p[0]))[:TOP_CONTRIBUTORS]
    return Consumption(
        subject=subject, task_id=task_id, task_name=task_name, budget_hours=hours, seconds=t.seconds,
        approved_seconds=t.approved, burn_seconds=(t.week1, t.week2), budget_amount=amount,
        percent=max((p for p in percents if p is not None), default=Decimal(0)), pace=pace, runs_out=runs_out,
        contributors=tuple(top), **money, **base,
    )  # fmt: skip


# Alerting --------------------------------------------------------------------------------


def evaluate(conn: Connection, now: datetime, project_ids: Iterable[int] | None = None) -> list[str]:
    """Compare each budget of these projects (or of every project) with its marks; queue an
    alert for each budget that crossed a threshold upward (the highest it crossed), mark the
    thresholds it fell below. The outbox keys queued."""
    projects = store.budgeted(conn, project_ids)
    if not projects:
        return []
    workspace = people_store.workspace(conn)
    prices, queued = _Prices(), []
    for project in projects:
        figures = _consumption(conn, project, workspace.timezone, workspace.locale, now, prices)
        if not figures:
            continue
        marks = store.marks(conn, [f.subject for f in figures], figures[0].period)
        for figure in figures:
            above = {t for (s, t), m in marks.items() if s == figure.subject and m.above}
            key = _alert(conn, project, figure, above, now)
            if key is not None:
                queued.append(key)
    return queued


def _alert(conn: Connection, project: ProjectBudget, figure: Consumption, above: set[int],
           now: datetime) -> str | None:  # fmt: skip
    up, down = crossing(project.thresholds, figure.percent, above)
    if down:
        store.fall(conn, figure.subject, figure.period, down, now=now)
    if not up:
        return None
    won = store.cross(conn, figure.subject, figure.period, up, now=now)
    if not won or project.alert_channel is None:
        return None  # another process queued it, or nobody listens: the marks are kept all the same
    threshold, crossings = max(won)
    key = alert_key(figure.subject, figure.period, threshold, crossings)
    alert = BudgetAlert(threshold, figure)
    if outbox.enqueue(
        conn, key=key, kind=KIND, payload=alert.payload(), now=now, channel=project.alert_channel
    ):
        return key
    return None


def on_entry_changes(conn: Connection, changes: list[EntryEvent], now: datetime) -> None:
    """The consumer: each project an entry change touched, evaluated once."""
    touched = {c.project_id for c in changes if c.project_id is not None}
    if touched:
        evaluate(conn, now, touched)


def safety_net(conn: Connection, now: datetime) -> list[str]:
    """The job: every budgeted project, in turn with the consumer (its position's lock), so
    the two never both queue the alert of one crossing."""
    events.claim_position(conn, CONSUMER, now=now, from_start=False)
    return evaluate(conn, now)
