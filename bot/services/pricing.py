"""The one pricer: an entry alone (``rates explain``, freezing) or every entry in a batch
(exports now, invoices next), with the same rules (issue #4).

The rate comes from the rate book (``bot.services.rate_book``, one precedence table), the
billed time and the amount from the integer rules of ``bot.services.money``, with the client's
terms; the batch computes what an entry needs once per person, client, project and task, and
inlines the integer rules (see :meth:`Pricer.lines`). Approved and billed entries keep the
price frozen at approval (``bot.services.freeze``); drafts and rejected entries are priced
live.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from sqlalchemy import Connection

from bot.services.money import (
    AMOUNT_SCALE,
    RATE_PLACES,
    RATE_SCALE,
    Rounder,
    Rounding,
    amount_minor,
    bill_seconds,
    billed_seconds,
    digits,
    from_minor,
    hundredths,
    plain_rate,
    rate_units,
    rounder,
    shown_hours,
)
from bot.services.money import is_currency as is_currency  # re-exported: the import checks currencies here
from bot.services.rate_book import ALWAYS, EMPTY, RateBook, RateRule, load_books
from bot.services.rate_book import RateLevel as RateLevel  # re-exported: the rates import names levels here
from storage import prices
from storage.models import BillingType, EntryStatus
from storage.prices import FactRow

FROZEN = frozenset({EntryStatus.APPROVED.value, EntryStatus.BILLED.value})
# Time priced by the hour: hourly projects, and retainers (their overage is billed at the
# hourly rates; the invoice lists the included hours without price).
PRICED = frozenset({BillingType.HOURLY.value, BillingType.RETAINER.value})
_SCALE, _HALF = AMOUNT_SCALE, AMOUNT_SCALE // 2


@dataclass(frozen=True)
class Terms:
    """How a client's time is billed: the workspace's settings with the client's overrides."""

    currency: str
    increment_minutes: int
    rounding: Rounding
    minimum_seconds: int

    @cached_property
    def rounder(self) -> Rounder:
        return rounder(increment_minutes=self.increment_minutes, rounding=self.rounding,
                       minimum_seconds=self.minimum_seconds)  # fmt: skip


def client_terms(conn: Connection) -> dict[int, Terms]:
    ws = prices.workspace_terms(conn)
    currency, increment, rounding, minimum = (
        (ws.currency, ws.billing_increment_minutes, ws.rounding, ws.minimum_billable_minutes)
        if ws else ("USD", 1, "up", 0)
    )  # fmt: skip
    return {
        c.id: Terms(
            currency=c.currency or currency,
            increment_minutes=c.billing_increment_minutes or increment or 1,
            rounding=Rounding(c.rounding or rounding or "up"),
            minimum_seconds=(minimum or 0) * 60,
        )
        for c in prices.client_terms(conn)
    }


@dataclass(frozen=True)
class Price:
    """One entry's price, with why: what ``rates explain`` shows and approval freezes."""

    raw_seconds: int
    billed_seconds: int  # 0 for time that is not billed by the hour
    hours: Decimal  # the billed hours a line shows
    rate: Decimal | None
    amount: Decimal | None
    currency: str
    rule: str  # which rule priced it, in words (stored with a frozen price)
    cost_rate: Decimal | None = None


# One entry priced in a batch: (entry_id, billed_seconds, rate, amount_minor, currency,
# cost_rate), the billed seconds, rate and amount a Price has, the amount in the currency's
# minor units (cents, yen, fils), the cost rate only when asked for. A plain tuple: a
# NamedTuple's allocation cost a tenth of the batch (bench/pricing_load.py).
Line = tuple[int, int, Decimal | None, int | None, str, Decimal | None]


# What pricing one person's time on a client, project and task needs, computed once:
# (currency, step, bias, least, per_unit, days, rates, scaled, cost_days, cost_rates): the
# client's currency, Rounder and minor units per unit; the bill rate timeline (days, rates,
# and the rates in ten-thousandths times per_unit); the cost rate timeline (days, rates), empty
# unless costs are asked for. A plain tuple: the batch unpacks one per entry, and a
# NamedTuple unpacks at a third of the speed.
_Combination = tuple[
    int,
    str,
    int,
    int,
    int,
    int,
    tuple[int, ...],
    tuple[Decimal, ...],
    tuple[int, ...],
    tuple[int, ...],
    tuple[Decimal, ...],
]  # fmt: skip  (client first: the combination is kept by project, task and person)


class Pricer:
    """The rate books and client terms, loaded once; prices any number of entries."""

    def __init__(self, bill: RateBook, cost: RateBook, terms: Mapping[int, Terms]) -> None:
        self.bill, self.cost, self.terms = bill, cost, terms
        # By with_cost: the cost timelines are only looked up when asked for.
        # By project, then task, then person (a project's client is its own): small dicts with
        # int keys, where a dict of a million entries' 4-tuples cost a third of the batch in
        # tuple hashing and cache misses (bench/pricing_load.py).
        self._combinations: tuple[dict[int, dict[int | None, dict[int, _Combination]]], ...] = ({}, {})
        self._shared: dict[tuple[int, int, int], _Combination] = {}

    @classmethod
    def load(cls, conn: Connection) -> Pricer:
        bill, cost = load_books(conn)
        return cls(bill, cost, client_terms(conn))

    def price(self, fact: FactRow) -> Price:
        """One entry's price and the rule that set it."""
        terms = self.terms[fact.client_id]
        currency = terms.currency
        if fact.frozen_billed is not None and fact.status in FROZEN:
            # Approved and billed prices never move (issue #4: frozen on approval).
            minor = _frozen_minor(fact.frozen_amount, 10 ** digits(currency))
            return Price(fact.raw_seconds, fact.frozen_billed, shown_hours(fact.frozen_billed),
                         _decimal(fact.frozen_rate), None if minor is None else from_minor(minor, currency),
                         currency, fact.frozen_rule or "frozen at approval",
                         _decimal(fact.frozen_cost_rate))  # fmt: skip
        cost_rule = self.cost.rule_on(fact, fact.day)
        cost_rate = cost_rule.rate if cost_rule else None
        if not fact.billable or fact.billing_type not in PRICED:
            why = (
                "not billable"
                if not fact.billable
                else f"{fact.billing_type} project: tracked against its budget"
            )
            return Price(fact.raw_seconds, 0, shown_hours(0), None, None, currency, why, cost_rate)
        billed = bill_seconds(fact.raw_seconds, *terms.rounder)
        rule = self.bill.rule_on(fact, fact.day)
        if rule is None:
            return Price(fact.raw_seconds, billed, shown_hours(billed), None, None, currency,
                         "no rate applies", cost_rate)  # fmt: skip
        minor = amount_minor(hundredths(billed), rate_units(rule.rate), 10 ** digits(currency))
        return Price(fact.raw_seconds, billed, shown_hours(billed), rule.rate, from_minor(minor, currency),
                     currency, describe(rule), cost_rate)  # fmt: skip

    def lines(self, facts: Iterable[FactRow], *, with_cost: bool = False) -> Iterator[Line]:
        """Entries priced in one pass, each as :meth:`price` prices it: per entry a dict
        lookup (what its person, client, project and task need, computed once), a bisect
        and the integer rules of ``bot.services.money``.

        The rules are inlined below (three calls per entry cost a tenth of the batch);
        tests hold this loop equal to ``money.bill_seconds``, ``hundredths`` and
        ``amount_minor`` on every second of two hours, and to :meth:`price` on random
        rate books, terms and entries."""
        known = self._combinations[with_cost]
        combination = self._combination
        frozen, priced, bisect, scale, half = FROZEN, PRICED, bisect_right, _SCALE, _HALF  # locals: fastest
        for fact in facts:
            (entry_id, person, client, project, task, day, raw, billable, billing_type, status,
             frozen_billed, frozen_rate, frozen_amount, frozen_cost_rate, _) = fact  # fmt: skip
            tasks = known.get(project)
            people = tasks.get(task) if tasks is not None else None
            found = people.get(person) if people is not None else None
            if found is None or found[0] != client:  # a project's client is its own: never, but be exact
                found = combination(fact, with_cost)
            _, currency, step, bias, least, per_unit, days, rates, scaled, cost_days, cost_rates = found
            if frozen_billed is not None and status in frozen:
                yield (entry_id, frozen_billed, _decimal(frozen_rate), _frozen_minor(frozen_amount, per_unit),
                       currency, _decimal(frozen_cost_rate) if with_cost else None)  # fmt: skip
                continue
            cost = None
            if with_cost:
                at = bisect(cost_days, day)
                cost = cost_rates[at - 1] if at else None
            if not billable or billing_type not in priced:
                yield (entry_id, 0, None, None, currency, cost)
                continue
            billed = (raw + bias) // step * step  # money.bill_seconds
            if billed < least and raw > 0:
                billed = least
            at = bisect(days, day) - 1
            if at >= 0:  # money.amount_minor(money.hundredths(billed), units, per_unit)
                amount = ((billed * 100 + 1800) // 3600 * scaled[at] + half) // scale
                yield (entry_id, billed, rates[at], amount, currency, cost)
            else:
                yield (entry_id, billed, None, None, currency, cost)

    def _combination(self, fact: FactRow, with_cost: bool) -> _Combination:
        client = fact.client_id
        terms = self.terms[client]
        bill = self.bill.merged(fact)
        cost = self.cost.merged(fact) if with_cost else EMPTY
        # One object per (client, timelines): a few thousand for a million entries.
        shared = (client, id(bill), id(cost))
        found = self._shared.get(shared)
        if found is None:
            per_unit = 10 ** digits(terms.currency)
            step, bias, least = terms.rounder
            scaled = tuple(units * per_unit for units in bill.units)
            found = self._shared[shared] = (client, terms.currency, step, bias, least, per_unit,
                                            bill.days, bill.rates, scaled, cost.days, cost.rates)  # fmt: skip
        people = self._combinations[with_cost].setdefault(fact.project_id, {}).setdefault(fact.task_id, {})
        if fact.person_id not in people or people[fact.person_id][0] == client:
            people[fact.person_id] = found
        return found


def price_batch(conn: Connection, *, with_cost: bool = False) -> Iterator[Line]:
    """Every entry priced, by id, streamed: what exports and invoices use for large batches."""
    return Pricer.load(conn).lines(prices.every_fact(conn), with_cost=with_cost)


def describe(rule: RateRule) -> str:
    """``person on project rate 275.00 (since 2026-10-01)``: stored with a frozen price."""
    since = "always" if rule.effective_from == ALWAYS else f"since {rule.effective_from.isoformat()}"
    return f"{rule.level.value.replace('_', ' on ')} rate {plain_rate(rule.rate)} ({since})"


def _decimal(ten_thousandths: int | None) -> Decimal | None:
    return None if ten_thousandths is None else Decimal(ten_thousandths).scaleb(-RATE_PLACES)


def _frozen_minor(ten_thousandths: int | None, per_unit: int) -> int | None:
    """A frozen amount in minor units (half up, should one have been stored finer)."""
    if ten_thousandths is None:
        return None
    return (ten_thousandths * per_unit * 2 + RATE_SCALE) // (2 * RATE_SCALE)


@dataclass(frozen=True)
class Explanation:
    """Why an entry costs what it does: rendered by ``bot.views.rates``."""

    entry_id: int
    price: Price
    locale: str  # the workspace's, for money
    status: EntryStatus

    @property
    def frozen(self) -> bool:
        return self.status in FROZEN


def explain(conn: Connection, entry_id: int) -> Explanation | None:
    found = prices.facts(conn, [entry_id])
    if not found:
        return None
    workspace = prices.workspace_terms(conn)
    locale = (workspace.locale if workspace else None) or "en_US"
    return Explanation(entry_id, Pricer.load(conn).price(found[0]), locale, EntryStatus(found[0].status))


@dataclass(frozen=True)
class Billed:
    """What a saved entry bills, beside what was measured, and the rule that made it so."""

    seconds: int
    increment_minutes: int
    rounding: Rounding
    minimum_minutes: int


def billed_time(
    conn: Connection, *, raw_seconds: int, billable: bool, project_id: int, billing_type: str
) -> Billed | None:
    """The time an entry bills by the hour (None for time not billed by the hour): the
    answer to a change says so when it differs from what was measured."""
    if not billable or billing_type not in PRICED:
        return None
    terms = prices.project_terms(conn, project_id)
    if terms is None:
        return None
    increment = terms.billing_increment_minutes or 1
    rule = Rounding(terms.rounding or "up")
    minimum = terms.minimum_billable_minutes or 0
    seconds = billed_seconds(
        raw_seconds, increment_minutes=increment, rounding=rule, minimum_seconds=minimum * 60
    )
    return Billed(seconds, increment, rule, minimum)
