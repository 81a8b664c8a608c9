"""Pricing rules (groundwork for the rates issue): precedence, effective dates, rounding, money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.pricing import (
    RateLevel,
    RateRule,
    Rounding,
    billed_seconds,
    format_money,
    line_amount,
    money,
    resolve_rate,
    shown_hours,
)

ME, OTHER, CLIENT, PROJECT, TASK = 1, 2, 10, 100, 1000
CHANGE = date(2026, 10, 1)


def rule(level: RateLevel, rate: str, on: date = date(2026, 1, 1), **keys: int) -> RateRule:
    return RateRule(level=level, rate=Decimal(rate), effective_from=on, **keys)


ALL = [
    rule(RateLevel.PERSON, "100", person_id=ME),
    rule(RateLevel.CLIENT, "110", client_id=CLIENT),
    rule(RateLevel.PERSON_CLIENT, "120", person_id=ME, client_id=CLIENT),
    rule(RateLevel.PROJECT, "130", project_id=PROJECT),
    rule(RateLevel.PERSON_PROJECT, "140", person_id=ME, project_id=PROJECT),
    rule(RateLevel.TASK, "150", task_id=TASK),
    rule(RateLevel.PERSON_TASK, "160", person_id=ME, task_id=TASK),
]


@pytest.mark.parametrize(
    ("drop_above", "expected"),
    [
        (RateLevel.PERSON_TASK, "160"),
        (RateLevel.TASK, "150"),
        (RateLevel.PERSON_PROJECT, "140"),
        (RateLevel.PROJECT, "130"),
        (RateLevel.PERSON_CLIENT, "120"),
        (RateLevel.CLIENT, "110"),
        (RateLevel.PERSON, "100"),
    ],
)
def test_the_most_specific_level_wins(drop_above: RateLevel, expected: str) -> None:
    order = list(RateLevel)
    rules = [r for r in ALL if order.index(r.level) >= order.index(drop_above)]
    choice = resolve_rate(
        rules, person_id=ME, client_id=CLIENT, project_id=PROJECT, task_id=TASK, on=date(2026, 11, 1)
    )
    assert choice.rate == Decimal(expected)


def test_other_peoples_rates_and_task_rates_without_a_task_do_not_apply() -> None:
    rules = [rule(RateLevel.PERSON_PROJECT, "999", person_id=OTHER, project_id=PROJECT), *ALL[:4]]
    choice = resolve_rate(
        rules, person_id=ME, client_id=CLIENT, project_id=PROJECT, task_id=None, on=date(2026, 11, 1)
    )
    assert choice.rate == Decimal("130") and "project rate" in choice.explain()
    assert (
        resolve_rate([], person_id=ME, client_id=CLIENT, project_id=PROJECT, task_id=None, on=CHANGE).rate
        is None
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 9, 30), "250"), (CHANGE, "275"), (date(2026, 10, 2), "275")],
)
def test_the_rate_in_effect_on_the_entrys_date(day: date, expected: str) -> None:
    rules = [
        rule(RateLevel.PERSON_PROJECT, "250", date(2026, 1, 1), person_id=ME, project_id=PROJECT),
        rule(RateLevel.PERSON_PROJECT, "275", CHANGE, person_id=ME, project_id=PROJECT),
    ]
    choice = resolve_rate(rules, person_id=ME, client_id=CLIENT, project_id=PROJECT, task_id=None, on=day)
    assert choice.rate == Decimal(expected)


def test_a_rule_not_yet_in_effect_falls_back_to_a_less_specific_one() -> None:
    rules = [rule(RateLevel.PERSON, "100", person_id=ME), rule(RateLevel.TASK, "300", CHANGE, task_id=TASK)]
    early = resolve_rate(
        rules, person_id=ME, client_id=CLIENT, project_id=PROJECT, task_id=TASK, on=date(2026, 9, 30)
    )
    assert early.rate == Decimal("100")


@pytest.mark.parametrize(
    ("raw", "increment", "rounding", "expected"),
    [
        (360, 6, Rounding.UP, 360),
        (361, 6, Rounding.UP, 720),
        (359, 6, Rounding.DOWN, 0),
        (179, 6, Rounding.NEAREST, 0),
        (180, 6, Rounding.NEAREST, 360),  # half an increment rounds up
        (900, 15, Rounding.UP, 900),
        (901, 15, Rounding.UP, 1800),
        (1349, 15, Rounding.NEAREST, 900),
        (1350, 15, Rounding.NEAREST, 1800),
        (61, 1, Rounding.DOWN, 60),
        (0, 6, Rounding.UP, 0),
    ],
)
def test_rounding_at_increment_boundaries(
    raw: int, increment: int, rounding: Rounding, expected: int
) -> None:
    assert billed_seconds(raw, increment_minutes=increment, rounding=rounding) == expected


def test_minimum_billable_time_per_entry() -> None:
    assert billed_seconds(60, increment_minutes=6, rounding=Rounding.DOWN, minimum_seconds=360) == 360
    assert billed_seconds(0, increment_minutes=6, rounding=Rounding.UP, minimum_seconds=360) == 0


def test_increments_that_do_not_divide_an_hour_are_refused() -> None:
    with pytest.raises(ValueError):
        billed_seconds(60, increment_minutes=7, rounding=Rounding.UP)


@pytest.mark.parametrize(
    ("currency", "amount", "exact", "shown"),
    [
        ("USD", "1234.505", "1234.51", "$1,234.51"),
        ("JPY", "1234.5", "1235", "¥1,235"),
        ("BHD", "1.2345", "1.235", "BHD1.235"),
    ],
)
def test_currencies_with_0_2_and_3_minor_digits(currency: str, amount: str, exact: str, shown: str) -> None:
    assert money(Decimal(amount), currency) == Decimal(exact)
    assert format_money(Decimal(amount), currency).replace("\xa0", "") == shown


def test_money_formats_in_the_workspace_locale() -> None:
    assert format_money(Decimal("1234.5"), "EUR", "de_DE").replace("\xa0", " ") == "1.234,50 €"


SECONDS = st.integers(min_value=1, max_value=24 * 3600)
RATES = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("2000"), places=4, allow_nan=False, allow_infinity=False
)


@given(entries=st.lists(SECONDS, min_size=1, max_size=40), rate=RATES,
       increment=st.sampled_from([6, 15, 30, 60]), rounding=st.sampled_from(list(Rounding)),
       currency=st.sampled_from(["USD", "JPY", "BHD", "EUR"]))  # fmt: skip
def test_lines_multiply_out_and_the_total_is_their_sum(
    entries: list[int], rate: Decimal, increment: int, rounding: Rounding, currency: str
) -> None:
    lines = []
    for raw in entries:
        hours = shown_hours(billed_seconds(raw, increment_minutes=increment, rounding=rounding))
        amount = line_amount(hours, rate, currency)
        assert amount == money(hours * rate, currency)  # shown hours x rate = amount, to the minor unit
        lines.append(amount)
    assert sum(lines, Decimal(0)) == money(sum(lines, Decimal(0)), currency)


@given(
    raw=st.integers(min_value=0, max_value=24 * 3600), increment=st.sampled_from([1, 5, 6, 10, 15, 30, 60])
)
def test_rounding_up_never_bills_less_than_was_worked(raw: int, increment: int) -> None:
    billed = billed_seconds(raw, increment_minutes=increment, rounding=Rounding.UP)
    assert raw <= billed < raw + increment * 60


RULES = st.lists(
    st.builds(
        lambda level, rate, day, person, client, project, task: RateRule(
            level,
            rate,
            day,
            person_id=person if "person" in level.value else None,
            client_id=client if level in (RateLevel.CLIENT, RateLevel.PERSON_CLIENT) else None,
            project_id=project if level in (RateLevel.PROJECT, RateLevel.PERSON_PROJECT) else None,
            task_id=task if level in (RateLevel.TASK, RateLevel.PERSON_TASK) else None,
        ),
        st.sampled_from(list(RateLevel)),
        RATES,
        st.dates(date(2025, 1, 1), date(2027, 1, 1)),
        st.sampled_from([ME, OTHER]),
        st.sampled_from([CLIENT, 11]),
        st.sampled_from([PROJECT, 101]),
        st.sampled_from([TASK, 1001]),
    ),  # fmt: skip
    max_size=30,
)


@given(rules=RULES, on=st.dates(date(2025, 1, 1), date(2027, 1, 1)), task=st.sampled_from([TASK, None]))
def test_the_indexed_rate_book_agrees_with_the_plain_rule(
    rules: list[RateRule], on: date, task: int | None
) -> None:
    from bot.services.billing import RateBook

    plain = resolve_rate(rules, person_id=ME, client_id=CLIENT, project_id=PROJECT, task_id=task, on=on)
    indexed = RateBook(rules).resolve(person=ME, client=CLIENT, project=PROJECT, task=task, on=on)
    want = (plain.rule.rate, plain.rule.level) if plain.rule else None
    got = (indexed.rate, indexed.level) if indexed else None
    assert want == got


@given(rules=RULES, later=RULES, seconds=SECONDS)
def test_repricing_is_idempotent_and_frozen_prices_never_move(
    rules: list[RateRule], later: list[RateRule], seconds: int
) -> None:
    from bot.services.billing import EntryFacts, Pricer, RateBook, Terms
    from storage.models import BillingType, EntryStatus

    terms = {CLIENT: Terms("USD", 6, Rounding.UP, 0)}
    draft = EntryFacts(
        1, ME, CLIENT, PROJECT, TASK, date(2026, 6, 1), seconds, True, BillingType.HOURLY, EntryStatus.DRAFT
    )
    before = Pricer(RateBook(rules), RateBook([]), terms)
    assert before.price(draft) == before.price(draft)  # re-pricing a draft changes nothing
    first = before.price(draft)
    approved = EntryFacts(1, ME, CLIENT, PROJECT, TASK, date(2026, 6, 1), seconds, True, BillingType.HOURLY,
                          EntryStatus.APPROVED, first.billed_seconds, first.rate, first.amount)  # fmt: skip
    after = Pricer(RateBook(rules + later), RateBook([]), terms)  # any rates added later, back-dated or not
    assert after.price(approved).amount == first.amount
    assert after.price(approved).rate == first.rate


def test_array_literals_reach_postgresql_as_the_values_they_were(engine: Any) -> None:
    from decimal import Decimal as D

    from sqlalchemy import text

    from bot.services.billing import _pg_array

    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL array literals")
    words = ["plain", "", "NULL", 'say "hi"', "back\\slash", "a,b", "{braces}", "  spaced  ", "ünï"]
    amounts = [D("1.00"), None, D("312.5625"), D("1E+2"), D("-0.01")]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT CAST(:a AS varchar[])"), {"a": _pg_array(words)}).scalar() == words
        got = conn.execute(text("SELECT CAST(:a AS numeric[])"), {"a": _pg_array(amounts)}).scalar()
        assert got == amounts
        assert conn.execute(
            text("SELECT CAST(:a AS integer[])"), {"a": _pg_array([1, None, 3])}
        ).scalar() == [1, None, 3]
