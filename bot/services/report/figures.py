"""A period's figures by group, priced by the one pricer without a Python loop over entries.

The database sums what it can (``storage.report.totals``): measured and billable seconds and
the frozen amounts of approved and billed entries, by the report's key. Entries still priced
live (drafts, submitted, rejected) come back grouped by what sets their price
(``storage.report.live``: project, person, task and the rate book's epoch of their day, with
their billed hours summed) and are priced here a group at a time, with the pricer's own rate
book and terms. Each entry's amount is its billed hundredths of an hour times the rate,
rounded half up to the minor unit (``money.amount_minor``), so a group's amount is not its
hours times its rate in general; it is when the rounding repeats:

- a rate whose amount per hundredth is a whole number of minor units (150.00 an hour is 1.50
  a hundredth) never rounds: the group's hours times the rate is the sum, to the cent;
- any other rounds the same way every ``P`` hundredths (156.25: every 4, as 0.01 h bills
  1.5625), so the entries are grouped by their hundredths modulo the least common multiple of
  every rate's ``P`` (``residues``), and each such group's sum is exact:
  (hours x rate + n x half - n x ((residue x rate + half) mod scale)) / scale.

So every group equals the sum over the export's rows (``bot.services.export``): the same
rate, billed hours and rounding for every entry; tests hold them equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from math import gcd, lcm

from sqlalchemy import Connection

from bot.services.money import AMOUNT_SCALE, digits, rate_units
from bot.services.pricing import Pricer
from bot.services.rate_book import Keys
from storage import prices
from storage import report as store
from storage.models import RateKind
from storage.report import LiveRow, Rules, Scope

GroupKey = tuple[int | None, ...]
# Above this many residues, live entries are grouped by their hundredths themselves.
MAX_RESIDUES = 100
EVERY = 10**9  # hundredths modulo this are the hundredths


@dataclass
class Tally:
    """One group's sums (mutable while summing; the service hands out ``Figures``)."""

    entries: int = 0
    seconds: int = 0
    billable_seconds: int = 0
    value: dict[str, int] = field(default_factory=dict)  # currency: minor units

    def add_value(self, currency: str, minor: int) -> None:
        self.value[currency] = self.value.get(currency, 0) + minor


def tally(
    conn: Connection, grouping: str | None, scope: Scope, *, value: bool
) -> tuple[dict[GroupKey, Tally], dict[str, int]]:
    """Each group's sums, by the grouping's id (by task: (task or None, project); by week:
    the Monday's ordinal); ``value``: with what the time bills, by currency. By week the
    value is the period's only (the second of the pair), its weeks' are not told apart."""
    clients = store.project_clients(conn)
    pricer = Pricer.load(conn) if value else None
    currency = (
        {p: pricer.terms[c].currency for p, c in clients.items() if c in pricer.terms} if pricer else {}
    )
    rules = _rules(conn, pricer, currency, scope.first, scope.last) if pricer else Rules()
    currencies = sorted(set(currency.values()))
    groups: dict[GroupKey, Tally] = {}
    whole = Tally()
    for row in store.totals(conn, grouping, scope, rules, value=value):
        found = groups.setdefault(_group_key(grouping, row.key, row.project_id, clients), Tally())
        found.entries += row.entries
        found.seconds += row.seconds
        found.billable_seconds += row.billable_seconds
        if row.amount is not None:
            said = currency[row.project_id] if row.project_id is not None else currencies[row.currency or 0]
            (found if grouping else whole).add_value(said, row.amount)
    if pricer is not None:
        _price_live(conn, grouping, scope, rules, pricer, clients, groups, whole)
    return groups, whole.value


def _rules(conn: Connection, pricer: Pricer, currency: dict[int, str], first: date, last: date) -> Rules:
    """The rate book's dates inside the period (a rate can change on them and only on them:
    every other rule is in force always), each client's rounding, and each project's
    currency's minor units and modulus (``residues``)."""
    breaks = sorted(
        {
            row.effective_from
            for row in prices.rates(conn)
            if RateKind(row.kind) == RateKind.BILL and first < row.effective_from <= last
        }
    )
    rounding = {client: tuple(t.rounder) for client, t in pricer.terms.items()}
    per_unit = {p: 10 ** digits(c) for p, c in currency.items()}
    moduli = residues(conn, set(per_unit.values()))
    index = {c: i for i, c in enumerate(sorted(set(currency.values())))}
    return Rules(
        currencies={p: index[c] for p, c in currency.items()},
        breaks=breaks,
        rounding=rounding,  # type: ignore[arg-type]
        per_unit=per_unit,
        moduli={p: moduli[pu] for p, pu in per_unit.items()},
    )


def _price_live(
    conn: Connection,
    grouping: str | None,
    scope: Scope,
    rules: Rules,
    pricer: Pricer,
    clients: dict[int, int],
    groups: dict[GroupKey, Tally],
    whole: Tally,
) -> None:
    """The live entries' amounts, a group of entries at a time (see the module docstring)."""
    rate_of = _Rates(pricer, rules, scope.first)
    half = AMOUNT_SCALE // 2
    for row in store.live(conn, grouping, scope, rules):
        rate = rate_of(row)
        if rate is None:
            continue  # no rate applies: the export's amount is empty
        scaled, currency = rate
        rounding = (int(row.residue or 0) * scaled + half) % AMOUNT_SCALE
        minor = (int(row.billed) * scaled + row.entries * (half - rounding)) // AMOUNT_SCALE
        # setdefault: on PostgreSQL each statement reads the latest commit (READ COMMITTED)
        if grouping is None:
            whole.add_value(currency, minor)
        else:
            groups.setdefault(_group_key(grouping, row.key, row.project_id, clients), Tally()).add_value(
                currency, minor
            )


def residues(conn: Connection, per_units: set[int]) -> dict[int, int]:
    """By minor units per currency unit: after how many hundredths of an hour the rounding of
    every bill rate repeats (1: every rate bills whole minor units per hundredth; past
    MAX_RESIDUES, EVERY: the hundredths themselves)."""
    units = {rate_units(Decimal(r.rate)) for r in prices.rates(conn) if RateKind(r.kind) == RateKind.BILL}
    units |= {rate_units(Decimal(r.rate)) for r in prices.plain_rates(conn)}
    out = {}
    for per_unit in per_units:
        found = 1
        for unit in units:
            found = lcm(found, AMOUNT_SCALE // gcd(unit * per_unit, AMOUNT_SCALE))
            if found > MAX_RESIDUES:
                found = EVERY
                break
        out[per_unit] = found
    return out


def _group_key(
    grouping: str | None, key: int | None, project: int | None, clients: dict[int, int]
) -> GroupKey:
    if grouping == "client":
        return (clients[project or 0],)
    if grouping == "project":
        return (project,)
    if grouping == "task":
        return (key, project)
    if grouping is None:  # the week's number: its Monday's ordinal
        return ((key or 0) * 7 + 1,)
    return (key,)


class _Rates:
    """A live group's rate in ten-thousandths times its currency's minor units, and the
    currency, from the pricer's rate book: the rule in force on the first day of the
    group's epoch."""

    def __init__(self, pricer: Pricer, rules: Rules, first: date) -> None:
        self.pricer = pricer
        self.days = [first.toordinal()] + [d.toordinal() for d in rules.breaks]

    def __call__(self, row: LiveRow) -> tuple[int, str] | None:
        line = self.pricer.bill.timeline(Keys(row.person_id, row.client_id, row.project_id, row.task_id))
        at = line.at(self.days[row.epoch])
        if at < 0:
            return None
        currency = self.pricer.terms[row.client_id].currency
        return line.units[at] * 10 ** digits(currency), currency
