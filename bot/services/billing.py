"""Pricing entries against the firm's rate book: set-based, for exports, reports and invoices.

One pass loads every rate (there are few) into an index, one query streams the entries, and
each entry is priced in memory: a few dict lookups and a bisect, so a million entries price
in seconds, not a million queries. Approved and billed entries carry prices frozen at
approval (``freeze``); only drafts and rejected entries are priced live.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, select, text, update

from bot.services.pricing import (
    RateLevel,
    RateRule,
    Rounding,
    billed_seconds,
    line_amount,
    shown_hours,
)
from storage.models import (
    BillingType,
    Client,
    EntryStatus,
    Person,
    Project,
    Rate,
    RateKind,
    Task,
    TimeEntry,
    Workspace,
)

ALWAYS = date(1900, 1, 1)  # the plain `rate:` of a person, client, project or task
FROZEN = (EntryStatus.APPROVED, EntryStatus.BILLED)


def _key(
    level: RateLevel, person: int | None, client: int | None, project: int | None, task: int | None
) -> tuple:
    return (level, person, client, project, task)


class RateBook:
    """Every rule of one kind (bill or cost), indexed by level and keys, dates sorted."""

    def __init__(self, rules: Iterable[RateRule]) -> None:
        grouped: dict[tuple, list[RateRule]] = {}
        for rule in rules:
            key = _key(rule.level, rule.person_id, rule.client_id, rule.project_id, rule.task_id)
            grouped.setdefault(key, []).append(rule)
        self._rules = {k: sorted(v, key=lambda r: r.effective_from) for k, v in grouped.items()}
        self._dates = {k: [r.effective_from for r in v] for k, v in self._rules.items()}

    @staticmethod
    def _keys(person: int, client: int, project: int, task: int | None) -> list[tuple]:
        """The index keys of every level, most specific first (task levels need a task)."""
        keys = [
            (RateLevel.PERSON_TASK, person, None, None, task),
            (RateLevel.TASK, None, None, None, task),
            (RateLevel.PERSON_PROJECT, person, None, project, None),
            (RateLevel.PROJECT, None, None, project, None),
            (RateLevel.PERSON_CLIENT, person, client, None, None),
            (RateLevel.CLIENT, None, client, None, None),
            (RateLevel.PERSON, person, None, None, None),
        ]
        return keys if task is not None else keys[2:]

    def by_level(self) -> list[dict[Any, tuple[list[str], list[Decimal]]]]:
        """Per level (most specific first), its rules keyed by what they apply to, as
        (ISO start dates, rates): the shape the batch pricer looks up without a call."""
        levels: list[dict[Any, tuple[list[str], list[Decimal]]]] = [{} for _ in RateLevel]
        order = list(RateLevel)
        for (level, person, client, project, task), rules in self._rules.items():
            key = {
                RateLevel.PERSON_TASK: (person, task), RateLevel.TASK: task,
                RateLevel.PERSON_PROJECT: (person, project), RateLevel.PROJECT: project,
                RateLevel.PERSON_CLIENT: (person, client), RateLevel.CLIENT: client, RateLevel.PERSON: person,
            }[level]  # fmt: skip
            levels[order.index(level)][key] = (
                [r.effective_from.isoformat() for r in rules],
                [r.rate for r in rules],
            )
        return levels

    def resolve(
        self, *, person: int, client: int, project: int, task: int | None, on: date
    ) -> RateRule | None:
        """The most specific rule in effect on ``on`` (same answer as pricing.resolve_rate)."""
        for key in self._keys(person, client, project, task):
            dates = self._dates.get(key)
            if dates:
                i = bisect_right(dates, on)
                if i:
                    return self._rules[key][i - 1]
        return None


def load_books(conn: Connection) -> tuple[RateBook, RateBook]:
    """(bill rates, cost rates): the ``rates`` table plus the plain rates from the import."""
    bill: list[RateRule] = []
    cost: list[RateRule] = []
    for kind, level, person, client, project, task, rate, since in conn.execute(
        select(
            Rate.kind,
            Rate.level,
            Rate.person_id,
            Rate.client_id,
            Rate.project_id,
            Rate.task_id,
            Rate.rate,
            Rate.effective_from,
        )  # fmt: skip
    ):
        rule = RateRule(RateLevel(level), Decimal(rate), since, person, client, project, task)
        (cost if kind == RateKind.COST else bill).append(rule)
    plain: list[tuple[Any, RateLevel, str]] = [
        (Person, RateLevel.PERSON, "person_id"),
        (Client, RateLevel.CLIENT, "client_id"),
        (Project, RateLevel.PROJECT, "project_id"),
        (Task, RateLevel.TASK, "task_id"),
    ]
    for model, plain_level, key in plain:
        for owner, plain_rate in conn.execute(select(model.id, model.rate).where(model.rate.is_not(None))):
            bill.append(RateRule(plain_level, Decimal(plain_rate), ALWAYS, **{key: owner}))
    return RateBook(bill), RateBook(cost)


@dataclass(frozen=True)
class Terms:
    """How a client's time is billed: the workspace's settings with the client's overrides."""

    currency: str
    increment_minutes: int
    rounding: Rounding
    minimum_seconds: int


def client_terms(conn: Connection) -> dict[int, Terms]:
    ws = conn.execute(
        select(
            Workspace.currency,
            Workspace.billing_increment_minutes,
            Workspace.rounding,
            Workspace.minimum_billable_minutes,
        ).where(Workspace.id == 1)  # fmt: skip
    ).first()
    currency, increment, rounding, minimum = ws if ws else ("USD", 1, "up", 0)
    terms = {}
    for cid, c_currency, c_increment, c_rounding in conn.execute(
        select(Client.id, Client.currency, Client.billing_increment_minutes, Client.rounding)
    ):
        terms[cid] = Terms(
            currency=c_currency or currency,
            increment_minutes=c_increment or increment or 1,
            rounding=Rounding(c_rounding or rounding or "up"),
            minimum_seconds=(minimum or 0) * 60,
        )
    return terms


@dataclass(frozen=True)
class Price:
    raw_seconds: int
    billed_seconds: int  # 0 for time that is not billed by the hour
    hours: Decimal  # the billed hours a line shows
    rate: Decimal | None
    amount: Decimal | None
    currency: str
    rule: str  # which rule priced it, for `rates explain`
    cost_rate: Decimal | None = None


@dataclass(frozen=True)
class EntryFacts:
    """What pricing needs to know about an entry."""

    id: int
    person_id: int
    client_id: int
    project_id: int
    task_id: int | None
    day: date
    raw_seconds: int
    billable: bool
    billing_type: BillingType
    status: EntryStatus
    frozen_billed: int | None = None
    frozen_rate: Decimal | None = None
    frozen_amount: Decimal | None = None
    frozen_cost_rate: Decimal | None = None
    frozen_rule: str | None = None


class Pricer:
    def __init__(self, bill: RateBook, cost: RateBook, terms: dict[int, Terms]) -> None:
        self.bill, self.cost, self.terms = bill, cost, terms

    @classmethod
    def load(cls, conn: Connection) -> Pricer:
        bill, cost = load_books(conn)
        return cls(bill, cost, client_terms(conn))

    def price(self, e: EntryFacts) -> Price:
        terms = self.terms[e.client_id]
        cost_rule = self.cost.resolve(
            person=e.person_id, client=e.client_id, project=e.project_id, task=e.task_id, on=e.day
        )
        cost_rate = cost_rule.rate if cost_rule else None
        if e.status in FROZEN and e.frozen_billed is not None:
            # Approved and billed prices never move (issue #4: frozen on approval).
            return Price(e.raw_seconds, e.frozen_billed, shown_hours(e.frozen_billed), e.frozen_rate,
                         e.frozen_amount, terms.currency, e.frozen_rule or "frozen at approval",
                         e.frozen_cost_rate)  # fmt: skip
        if not e.billable or e.billing_type != BillingType.HOURLY:
            why = (
                "not billable"
                if not e.billable
                else f"{e.billing_type.value} project: tracked against its budget"
            )
            return Price(e.raw_seconds, 0, Decimal("0.00"), None, None, terms.currency, why, cost_rate)
        billed = billed_seconds(
            e.raw_seconds,
            increment_minutes=terms.increment_minutes,
            rounding=terms.rounding,
            minimum_seconds=terms.minimum_seconds,
        )
        hours = shown_hours(billed)
        rule = self.bill.resolve(
            person=e.person_id, client=e.client_id, project=e.project_id, task=e.task_id, on=e.day
        )
        if rule is None:
            return Price(
                e.raw_seconds, billed, hours, None, None, terms.currency, "no rate applies", cost_rate
            )
        amount = line_amount(hours, rule.rate, terms.currency)
        return Price(
            e.raw_seconds, billed, hours, rule.rate, amount, terms.currency, _describe(rule), cost_rate
        )


def _describe(rule: RateRule) -> str:
    since = "always" if rule.effective_from == ALWAYS else f"since {rule.effective_from.isoformat()}"
    return f"{rule.level.value.replace('_', ' on ')} rate {_plain(rule.rate)} ({since})"


def _plain(rate: Decimal) -> str:
    """300.0000 -> 300.00; 312.5625 stays: rates keep up to 4 decimals."""
    two = rate.quantize(Decimal("0.01"))
    return f"{two:f}" if two == rate else f"{rate.normalize():f}"


_FACTS = (
    select(
        TimeEntry.id, TimeEntry.person_id, Project.client_id, TimeEntry.project_id, TimeEntry.task_id,
        TimeEntry.date, TimeEntry.duration_seconds, TimeEntry.billable, Project.billing_type,
        TimeEntry.status, TimeEntry.billed_seconds, TimeEntry.rate, TimeEntry.amount, TimeEntry.cost_rate,
        TimeEntry.rate_rule,
    )
    .join(Project, Project.id == TimeEntry.project_id)
)  # fmt: skip


def facts(
    conn: Connection, entry_ids: Iterable[int] | None = None, *, submission_id: int | None = None
) -> Iterator[EntryFacts]:
    stmt = _FACTS if entry_ids is None else _FACTS.where(TimeEntry.id.in_(list(entry_ids)))
    if submission_id is not None:
        stmt = stmt.where(TimeEntry.submission_id == submission_id)
    for row in conn.execute(stmt.order_by(TimeEntry.id)):
        yield EntryFacts(*row)


_FREEZE = (
    update(TimeEntry)
    .where(TimeEntry.id == bindparam("entry_id"), TimeEntry.billed_seconds.is_(None))
    .values(
        billed_seconds=bindparam("b_seconds"),
        rate=bindparam("b_rate"),
        amount=bindparam("b_amount"),
        cost_rate=bindparam("b_cost_rate"),
        rate_rule=bindparam("b_rule"),
    )  # fmt: skip
)


_FREEZE_KEYS = ("entry_id", "b_seconds", "b_rate", "b_amount", "b_cost_rate", "b_rule")
_FREEZE_PG = text(
    "UPDATE time_entries AS t SET billed_seconds = v.b_seconds, rate = v.b_rate, amount = v.b_amount, "
    "cost_rate = v.b_cost_rate, rate_rule = v.b_rule, status = COALESCE(:b_status, t.status), "
    "updated_at = COALESCE(:b_now, t.updated_at) "
    "FROM unnest(CAST(:entry_id AS integer[]), CAST(:b_seconds AS integer[]), CAST(:b_rate AS numeric[]), "
    "CAST(:b_amount AS numeric[]), CAST(:b_cost_rate AS numeric[]), CAST(:b_rule AS varchar[])) "
    "AS v(entry_id, b_seconds, b_rate, b_amount, b_cost_rate, b_rule) "
    "WHERE t.id = v.entry_id AND t.billed_seconds IS NULL"
)


def _pg_array(values: list[Any]) -> str:
    """A PostgreSQL array literal ({1,2.50,NULL,"text"}): sent as one string and cast in SQL,
    where psycopg took 11 ms to adapt seven lists of 500 Decimals and strings."""
    items = []
    for v in values:
        if v is None:
            items.append("NULL")
        elif isinstance(v, str):
            items.append('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
        else:
            items.append(str(v))
    return "{" + ",".join(items) + "}"


def freeze(
    conn: Connection,
    entry_ids: Iterable[int] | None = None,
    *,
    submission_id: int | None = None,
    status: EntryStatus | None = None,
    now: datetime | None = None,
) -> int:
    """Store today's price on the entries (call when they are approved). Frozen ones stay.

    One read and one batched UPDATE (executemany), whatever the number of entries."""
    pricer = Pricer.load(conn)
    params: list[dict[str, Any]] = []
    for e in facts(conn, entry_ids, submission_id=submission_id):
        if e.frozen_billed is not None or (submission_id is not None and e.status != EntryStatus.SUBMITTED):
            continue
        p = pricer.price(e)
        params.append({
            "entry_id": e.id, "b_seconds": p.billed_seconds, "b_rate": p.rate, "b_amount": p.amount,
            "b_cost_rate": p.cost_rate, "b_rule": p.rule[:200],
        })  # fmt: skip
    if params and conn.dialect.name == "postgresql":
        # One statement over arrays: 500 separate UPDATEs cost ~30 ms of round trips.
        arrays: dict[str, Any] = {key: _pg_array([row[key] for row in params]) for key in _FREEZE_KEYS}
        conn.execute(_FREEZE_PG, {**arrays, "b_status": status.value if status else None, "b_now": now})
    elif params:
        for row in params:
            row["b_status"], row["b_now"] = status, now
        if status is None or now is None:  # keep them: freeze only
            current = {e.id: e for e in facts(conn, [row["entry_id"] for row in params])}
            for row in params:
                row["b_status"] = row["b_status"] or current[row["entry_id"]].status
                row["b_now"] = row["b_now"] or datetime.now(UTC)
        conn.execute(_FREEZE, params)
    return len(params)


@dataclass(frozen=True)
class Explanation:
    entry_id: int
    price: Price
    locale: str
    status: EntryStatus

    def render(self) -> str:
        from bot.services.pricing import format_money

        p = self.price
        lines = [f"Entry {self.entry_id} ({self.status.value}): {p.hours} h billed of "
                 f"{Decimal(p.raw_seconds) / 3600:.2f} h worked."]  # fmt: skip
        if p.rate is None:
            lines.append(f"Not priced: {p.rule}.")
        else:
            lines.append(f"Rate {format_money(p.rate, p.currency, self.locale)}/h from the {p.rule}.")
            if p.amount is not None:
                lines.append(f"Amount {format_money(p.amount, p.currency, self.locale)}.")
        if self.status in FROZEN:
            lines.append("Frozen at approval: later rate changes do not change it.")
        return "\n".join(lines)


def explain(conn: Connection, entry_id: int) -> Explanation | None:
    found = list(facts(conn, [entry_id]))
    if not found:
        return None
    locale = conn.execute(select(Workspace.locale).where(Workspace.id == 1)).scalar() or "en_US"
    return Explanation(entry_id, Pricer.load(conn).price(found[0]), locale, found[0].status)


@dataclass(frozen=True)
class BatchLine:
    entry_id: int
    billed_seconds: int
    rate: Decimal | None
    amount_minor: int | None  # in the currency's minor units (cents, yen, fils)
    currency: str


_BATCH_SQL = (
    "SELECT e.id, e.person_id, p.client_id, e.project_id, e.task_id, e.date, e.duration_seconds, e.billable, "
    "p.billing_type, e.status, e.billed_seconds, e.amount "
    "FROM time_entries e JOIN projects p ON p.id = e.project_id ORDER BY e.id"
)


def price_batch(conn: Connection) -> Iterator[BatchLine]:
    """Every entry priced in one pass: what exports and invoices use for large batches.

    Same rules as :meth:`Pricer.price` (tests hold them equal), done with integer minor
    units and one rate timeline per person/client/project/task instead of per entry: the
    rows are read straight from the driver, dates compared as ISO strings.
    """
    pricer = Pricer.load(conn)
    person_task, task_level, person_project, project_level, person_client, client_level, person_level = (
        pricer.bill.by_level()
    )
    digits: dict[str, int] = {}
    frozen = {s.value for s in FROZEN}
    hourly = BillingType.HOURLY.value
    cursor = conn.exec_driver_sql(_BATCH_SQL)
    for (entry_id, person, client, project, task, day, raw, billable, billing_type, status, frozen_billed,
         frozen_amount) in cursor:  # fmt: skip
        terms = pricer.terms[client]
        currency = terms.currency
        if status in frozen and frozen_billed is not None:
            d = digits.setdefault(currency, _digits(currency))
            amount = (
                None if frozen_amount is None else int(Decimal(frozen_amount).scaleb(d).to_integral_value())
            )
            yield BatchLine(entry_id, frozen_billed, None, amount, currency)
            continue
        if not billable or billing_type != hourly:
            yield BatchLine(entry_id, 0, None, None, currency)
            continue
        step = terms.increment_minutes * 60
        whole, rest = divmod(raw, step)
        if rest and (
            terms.rounding == Rounding.UP or (terms.rounding == Rounding.NEAREST and rest * 2 >= step)
        ):
            whole += 1
        billed = whole * step
        if billed < terms.minimum_seconds:
            billed = -(-terms.minimum_seconds // step) * step
        iso = day if isinstance(day, str) else day.isoformat()
        rate = None
        # The levels, most specific first, inlined: this loop runs once per entry.
        for table, key in (
            (person_task, (person, task)), (task_level, task), (person_project, (person, project)),
            (project_level, project), (person_client, (person, client)), (client_level, client),
            (person_level, person),
        ):  # fmt: skip
            found = table.get(key)
            if found is not None:
                at = bisect_right(found[0], iso)
                if at:
                    rate = found[1][at - 1]
                    break
        if rate is None:
            yield BatchLine(entry_id, billed, None, None, currency)
            continue
        d = digits.setdefault(currency, _digits(currency)) if currency not in digits else digits[currency]
        hundredths = (billed * 200 + 3600) // 7200  # hours to 2 decimals, half up
        r4 = int(rate * 10000)
        yield BatchLine(
            entry_id, billed, rate, (2 * hundredths * r4 * 10**d + 10**6) // (2 * 10**6), currency
        )


def _digits(currency: str) -> int:
    from bot.services.pricing import minor_unit

    return -int(minor_unit(currency).as_tuple().exponent)
