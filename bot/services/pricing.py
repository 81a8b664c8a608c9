"""Pricing, pure: billable time by increment and rounding, the rate that applies, exact money.

Groundwork for the rates issue (#4): no storage yet. Rules the module keeps:
- Durations are whole seconds; billed time is a whole number of increments (6 minutes for
  0.1 h billing), rounded up, to nearest or down, never below the minimum per entry.
- The hours a line shows are what it bills: amount = shown hours x rate, quantized to the
  currency's minor unit with ROUND_HALF_UP, so every line multiplies out to the cent and a
  total is the plain sum of its lines.
- Rates: the most specific rule in effect on the entry's date wins, in the order
  person on task > task > person on project > project > person on client > client > person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision, list_currencies

HOURS_PLACES = Decimal("0.01")
SECONDS_PER_HOUR = 3600


class Rounding(StrEnum):
    UP = "up"
    NEAREST = "nearest"
    DOWN = "down"


def billed_seconds(raw: int, *, increment_minutes: int, rounding: Rounding, minimum_seconds: int = 0) -> int:
    """Raw seconds to billed seconds: whole increments, then the minimum per entry."""
    if raw < 0:
        raise ValueError("negative duration")
    if increment_minutes <= 0 or 60 % increment_minutes:
        raise ValueError("the increment must divide 60 minutes")
    step = increment_minutes * 60
    whole, rest = divmod(raw, step)
    if rest and (rounding == Rounding.UP or (rounding == Rounding.NEAREST and rest * 2 >= step)):
        whole += 1
    billed = whole * step
    if raw > 0 and billed < minimum_seconds:
        billed = -(-minimum_seconds // step) * step  # the minimum, as whole increments
    return billed


def shown_hours(seconds: int) -> Decimal:
    """The hours a line shows (2 decimals); with increments of 6, 15, 30 or 60 minutes exact."""
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(HOURS_PLACES, ROUND_HALF_UP)


@lru_cache(maxsize=512)
def minor_unit(currency: str) -> Decimal:
    """``Decimal('0.01')`` for USD, ``Decimal('1')`` for JPY, ``Decimal('0.001')`` for BHD."""
    if not is_currency(currency):
        raise ValueError(f"unknown currency {currency!r}")
    return Decimal(1).scaleb(-get_currency_precision(currency))


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in _currencies()


def money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), ROUND_HALF_UP)


def line_amount(hours: Decimal, rate: Decimal, currency: str) -> Decimal:
    """What a line bills: its shown hours times its rate, to the currency's minor unit."""
    return money(hours * rate, currency)


def format_money(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    """``$1,234.50``, ``1.234,50 €``, ``¥1,235``: Babel, after our own exact rounding."""
    return format_currency(money(amount, currency), currency, locale=locale)


class RateLevel(StrEnum):
    PERSON_TASK = "person_task"
    TASK = "task"
    PERSON_PROJECT = "person_project"
    PROJECT = "project"
    PERSON_CLIENT = "person_client"
    CLIENT = "client"
    PERSON = "person"


PRECEDENCE = tuple(RateLevel)  # most specific first


@dataclass(frozen=True)
class RateRule:
    level: RateLevel
    rate: Decimal
    effective_from: date
    person_id: int | None = None
    client_id: int | None = None
    project_id: int | None = None
    task_id: int | None = None

    def applies(self, *, person_id: int, client_id: int, project_id: int, task_id: int | None) -> bool:
        wanted = {
            RateLevel.PERSON_TASK: (person_id, None, None, task_id),
            RateLevel.TASK: (None, None, None, task_id),
            RateLevel.PERSON_PROJECT: (person_id, None, project_id, None),
            RateLevel.PROJECT: (None, None, project_id, None),
            RateLevel.PERSON_CLIENT: (person_id, client_id, None, None),
            RateLevel.CLIENT: (None, client_id, None, None),
            RateLevel.PERSON: (person_id, None, None, None),
        }[self.level]
        if self.level in (RateLevel.PERSON_TASK, RateLevel.TASK) and task_id is None:
            return False
        return (self.person_id, self.client_id, self.project_id, self.task_id) == wanted


@dataclass(frozen=True)
class RateChoice:
    rule: RateRule | None  # None: no rule applies; the entry cannot be priced

    @property
    def rate(self) -> Decimal | None:
        return self.rule.rate if self.rule else None

    def explain(self) -> str:
        if self.rule is None:
            return "No rate applies: set a rate for the person, client, project or task."
        return (
            f"{self.rule.rate} from the {self.rule.level.value.replace('_', ' on ')} rate "
            f"in effect since {self.rule.effective_from.isoformat()}"
        )


def resolve_rate(
    rules: Iterable[RateRule],
    *,
    person_id: int,
    client_id: int,
    project_id: int,
    task_id: int | None,
    on: date,
) -> RateChoice:
    """The most specific rule in effect on ``on``; within a level, the latest effective date."""
    best: dict[RateLevel, RateRule] = {}
    for rule in rules:
        if rule.effective_from > on:
            continue
        if not rule.applies(person_id=person_id, client_id=client_id, project_id=project_id, task_id=task_id):
            continue
        current = best.get(rule.level)
        # Same level, keys and date twice is refused by the import; should it happen, the one
        # given last wins (as in billing.RateBook, whose stable sort keeps the given order).
        if current is None or rule.effective_from >= current.effective_from:
            best[rule.level] = rule
    for level in PRECEDENCE:
        if level in best:
            return RateChoice(best[level])
    return RateChoice(None)
