"""Money and time rules, pure: billable time by increment and rounding, exact amounts.

- Durations are whole seconds; billed time is a whole number of increments (6 minutes for
  0.1 h billing), rounded up, to nearest or down, never below the minimum per entry.
- The hours a line shows are what it bills: amount = shown hours x rate, rounded half up to
  the currency's minor unit (Babel's digits: 2 for USD, 0 for JPY, 3 for BHD), so every line
  multiplies out to the cent and a total is the plain sum of its lines.

The arithmetic is defined once, in integers (:func:`bill_seconds`, :func:`hundredths`,
:func:`amount_minor`); the Decimal forms (:func:`billed_seconds`, :func:`shown_hours`,
:func:`line_amount`) are their results, shown, and tests hold them equal to the Decimal
definitions. An entry priced alone calls them; the batch (``pricing.Pricer.lines``) inlines
them, held equal by tests.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from babel.numbers import format_currency, get_currency_precision, list_currencies

RATE_PLACES = 4  # Money columns: a day rate divided by 8 keeps its cents
RATE_SCALE = 10**RATE_PLACES  # a rate in ten-thousandths
AMOUNT_SCALE = 100 * RATE_SCALE  # hundredths of an hour x ten-thousandths of a rate


class Rounding(StrEnum):
    UP = "up"
    NEAREST = "nearest"
    DOWN = "down"


class Rounder(NamedTuple):
    """Billed time in integers: ``(raw + bias) // step * step``, then at least ``least``."""

    step: int  # the increment, in seconds
    bias: int  # step - 1 rounds up, step // 2 to nearest (half up), 0 down
    least: int  # the minimum per entry, as whole increments


def rounder(*, increment_minutes: int, rounding: Rounding, minimum_seconds: int = 0) -> Rounder:
    if increment_minutes <= 0 or 60 % increment_minutes:
        raise ValueError("the increment must divide 60 minutes")
    step = increment_minutes * 60  # even: a half increment is whole seconds
    bias = {Rounding.UP: step - 1, Rounding.NEAREST: step // 2, Rounding.DOWN: 0}[Rounding(rounding)]
    return Rounder(step, bias, -(-minimum_seconds // step) * step)


def bill_seconds(raw: int, step: int, bias: int, least: int) -> int:
    """Raw seconds to billed seconds (a :class:`Rounder`'s fields): the one rounding."""
    billed = (raw + bias) // step * step
    return least if billed < least and raw > 0 else billed


def hundredths(seconds: int) -> int:
    """The hours a line shows, in hundredths, half up."""
    return (seconds * 100 + 1800) // 3600


def amount_minor(hours_hundredths: int, rate_ten_thousandths: int, per_unit: int) -> int:
    """Shown hours x rate in minor units (``per_unit`` of them to the currency unit), half up."""
    return (hours_hundredths * rate_ten_thousandths * per_unit + AMOUNT_SCALE // 2) // AMOUNT_SCALE


def billed_seconds(raw: int, *, increment_minutes: int, rounding: Rounding, minimum_seconds: int = 0) -> int:
    """Raw seconds to billed seconds: whole increments, then the minimum per entry."""
    if raw < 0:
        raise ValueError("negative duration")
    step, bias, least = rounder(
        increment_minutes=increment_minutes, rounding=rounding, minimum_seconds=minimum_seconds
    )
    return bill_seconds(raw, step, bias, least)


def shown_hours(seconds: int) -> Decimal:
    """The hours a line shows (2 decimals); with increments of 6, 15, 30 or 60 minutes exact."""
    return Decimal(hundredths(seconds)).scaleb(-2)


@lru_cache(maxsize=512)
def digits(currency: str) -> int:
    """2 for USD, 0 for JPY, 3 for BHD (Babel)."""
    if not is_currency(currency):
        raise ValueError(f"unknown currency {currency!r}")
    return int(get_currency_precision(currency))


def minor_unit(currency: str) -> Decimal:
    """``Decimal('0.01')`` for USD, ``Decimal('1')`` for JPY, ``Decimal('0.001')`` for BHD."""
    return Decimal(1).scaleb(-digits(currency))


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in _currencies()


def money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), ROUND_HALF_UP)


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-digits(currency))


def line_amount(hours: Decimal, rate: Decimal, currency: str) -> Decimal:
    """What a line bills: its shown hours times its rate, to the currency's minor unit."""
    shown = hours.scaleb(2)
    if shown != shown.to_integral_value():
        raise ValueError(f"a line shows hours with 2 decimals, not {hours}")
    minor = amount_minor(int(shown), rate_units(rate), 10 ** digits(currency))
    return from_minor(minor, currency)


def rate_units(rate: Decimal) -> int:
    """A rate in whole ten-thousandths, exactly: what :func:`amount_minor` multiplies."""
    units = rate.scaleb(RATE_PLACES)
    if rate < 0 or units != units.to_integral_value():
        raise ValueError(f"a rate is zero or more with at most {RATE_PLACES} decimals, not {rate}")
    return int(units)


def plain_rate(rate: Decimal) -> str:
    """300.0000 -> 300.00; 312.5625 stays: rates keep up to 4 decimals, shown from the cents."""
    two = rate.quantize(Decimal("0.01"))
    return f"{two:f}" if two == rate else f"{rate.normalize():f}"


def cost_amount(raw_seconds: int, cost_rate: Decimal, currency: str) -> Decimal:
    """What time cost the firm: the measured time (not the billed) at the cost rate."""
    return money(Decimal(raw_seconds) / 3600 * cost_rate, currency)


def format_money(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    """``$1,234.50``, ``1.234,50 €``, ``¥1,235``: Babel, after our own exact rounding."""
    return format_currency(money(amount, currency), currency, locale=locale)
