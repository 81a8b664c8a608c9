"""Pricing rules (issue #4): precedence, effective dates, rounding, money, and one pricer."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.money import (
    Rounding,
    amount_minor,
    bill_seconds,
    billed_seconds,
    digits,
    format_money,
    from_minor,
    hundredths,
    line_amount,
    money,
    rate_units,
    rounder,
    shown_hours,
)
from bot.services.pricing import Price, Pricer, Terms
from bot.services.rate_book import ALWAYS, PRECEDENCE, Keys, RateBook, RateLevel, RateRule
from storage.models import BillingType, EntryStatus
from storage.prices import FactRow

ME, OTHER, CLIENT, PROJECT, TASK = 1, 2, 10, 100, 1000
CHANGE = date(2026, 10, 1)
USD_BY_SIX_MINUTES = {CLIENT: Terms("USD", 6, Rounding.UP, 0)}


def rule(level: RateLevel, rate: str, on: date = date(2026, 1, 1), **keys: int) -> RateRule:
    return RateRule(level=level, rate=Decimal(rate), effective_from=on, **keys)


def fact(
    on: date,
    *,
    task: int | None = TASK,
    seconds: int = 3600,
    status: EntryStatus = EntryStatus.DRAFT,
    frozen: Price | None = None,
) -> FactRow:
    """A draft hour of ME on PROJECT (and TASK) of CLIENT, or an entry frozen at ``frozen``."""
    units = lambda d: None if d is None else int(d.scaleb(4))  # noqa: E731
    return FactRow(
        1, ME, CLIENT, PROJECT, task, on.toordinal(), seconds, True, BillingType.HOURLY.value, status.value,
        frozen.billed_seconds if frozen else None, units(frozen.rate) if frozen else None,
        units(frozen.amount) if frozen else None, units(frozen.cost_rate) if frozen else None,
        frozen.rule if frozen else None,
    )  # fmt: skip


def priced(rules: list[RateRule], entry: FactRow, *, batch: bool = False) -> Decimal | None:
    """The rate the one pricer gives ``entry``: alone, or as a batch of one."""
    pricer = Pricer(RateBook(rules), RateBook([]), USD_BY_SIX_MINUTES)
    if batch:
        [(_, _, rate, _, _, _)] = pricer.lines([entry])
        return rate
    return pricer.price(entry).rate


ALL = [
    rule(RateLevel.PERSON, "100", person_id=ME),
    rule(RateLevel.CLIENT, "110", client_id=CLIENT),
    rule(RateLevel.PERSON_CLIENT, "120", person_id=ME, client_id=CLIENT),
    rule(RateLevel.PROJECT, "130", project_id=PROJECT),
    rule(RateLevel.PERSON_PROJECT, "140", person_id=ME, project_id=PROJECT),
    rule(RateLevel.TASK, "150", task_id=TASK),
    rule(RateLevel.PERSON_TASK, "160", person_id=ME, task_id=TASK),
]
PATHS = pytest.mark.parametrize("batch", [False, True], ids=["alone", "batch"])


@PATHS
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
def test_the_most_specific_level_wins(drop_above: RateLevel, expected: str, batch: bool) -> None:
    order = list(RateLevel)
    rules = [r for r in ALL if order.index(r.level) >= order.index(drop_above)]
    assert priced(rules, fact(date(2026, 11, 1)), batch=batch) == Decimal(expected)


def test_the_precedence_table_names_every_level_once_most_specific_first() -> None:
    assert [level.level for level in PRECEDENCE] == list(RateLevel)
    keys = Keys(person_id=ME, client_id=CLIENT, project_id=PROJECT, task_id=TASK)
    assert [level.key(keys) for level in PRECEDENCE] == [
        (ME, TASK), TASK, (ME, PROJECT), PROJECT, (ME, CLIENT), CLIENT, ME,
    ]  # fmt: skip
    assert [level.key(r) for level, r in zip(PRECEDENCE, reversed(ALL), strict=True)] == [
        level.key(keys) for level in PRECEDENCE
    ]


@PATHS
def test_other_peoples_rates_and_task_rates_without_a_task_do_not_apply(batch: bool) -> None:
    rules = [rule(RateLevel.PERSON_PROJECT, "999", person_id=OTHER, project_id=PROJECT), *ALL[:4]]
    entry = fact(date(2026, 11, 1), task=None)
    assert priced(rules, entry, batch=batch) == Decimal("130")
    if not batch:
        assert "project rate" in Pricer(RateBook(rules), RateBook([]), USD_BY_SIX_MINUTES).price(entry).rule
    assert priced([], fact(CHANGE, task=None), batch=batch) is None
    # A task rate that names no task applies to no entry, with a task or without.
    nameless = [rule(RateLevel.TASK, "999"), rule(RateLevel.PERSON_TASK, "998", person_id=ME), *ALL[:1]]
    assert priced(nameless, fact(CHANGE, task=None), batch=batch) == Decimal("100")
    assert priced(nameless, fact(CHANGE), batch=batch) == Decimal("100")


@PATHS
@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 9, 30), "250"), (CHANGE, "275"), (date(2026, 10, 2), "275")],
)
def test_the_rate_in_effect_on_the_entrys_date(day: date, expected: str, batch: bool) -> None:
    rules = [
        rule(RateLevel.PERSON_PROJECT, "250", date(2026, 1, 1), person_id=ME, project_id=PROJECT),
        rule(RateLevel.PERSON_PROJECT, "275", CHANGE, person_id=ME, project_id=PROJECT),
    ]
    assert priced(rules, fact(day, task=None), batch=batch) == Decimal(expected)


@PATHS
def test_a_rule_not_yet_in_effect_falls_back_to_a_less_specific_one(batch: bool) -> None:
    rules = [rule(RateLevel.PERSON, "100", person_id=ME), rule(RateLevel.TASK, "300", CHANGE, task_id=TASK)]
    assert priced(rules, fact(date(2026, 9, 30)), batch=batch) == Decimal("100")
    assert priced(rules, fact(CHANGE), batch=batch) == Decimal("300")
    assert priced(rules[1:], fact(date(2026, 9, 30)), batch=batch) is None


@PATHS
@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(1999, 12, 31), "200"), (date(2026, 9, 30), "200"), (CHANGE, "250"), (date(2030, 1, 1), "250")],
)
def test_a_plain_rate_is_in_effect_always_until_a_dated_one_of_its_level(
    day: date, expected: str, batch: bool
) -> None:
    rules = [
        rule(RateLevel.PROJECT, "200", ALWAYS, project_id=PROJECT),  # the project's `rate:`
        rule(RateLevel.PROJECT, "250", CHANGE, project_id=PROJECT),
        rule(RateLevel.CLIENT, "999", date(2026, 1, 1), client_id=CLIENT),  # less specific: never
        rule(RateLevel.PERSON, "50", ALWAYS, person_id=ME),
    ]
    assert priced(rules, fact(day, task=None), batch=batch) == Decimal(expected)


@PATHS
def test_the_same_level_keys_and_date_twice_resolves_to_the_one_given_last(batch: bool) -> None:
    rules = [rule(RateLevel.CLIENT, "110", client_id=CLIENT), rule(RateLevel.CLIENT, "115", client_id=CLIENT)]
    assert priced(rules, fact(CHANGE), batch=batch) == Decimal("115")


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


def rule_as_written(rules: list[RateRule], keys: Keys, on: date) -> RateRule | None:
    """The precedence as the README states it, rule by rule: the most specific level with a
    rule naming the entry's keys in effect on ``on``; within it the latest date, the last given."""
    applying = {
        RateLevel.PERSON_TASK: (keys.person_id, None, None, keys.task_id),
        RateLevel.TASK: (None, None, None, keys.task_id),
        RateLevel.PERSON_PROJECT: (keys.person_id, None, keys.project_id, None),
        RateLevel.PROJECT: (None, None, keys.project_id, None),
        RateLevel.PERSON_CLIENT: (keys.person_id, keys.client_id, None, None),
        RateLevel.CLIENT: (None, keys.client_id, None, None),
        RateLevel.PERSON: (keys.person_id, None, None, None),
    }
    for level in RateLevel:  # most specific first
        if level in (RateLevel.PERSON_TASK, RateLevel.TASK) and keys.task_id is None:
            continue
        found = [
            r for r in rules
            if r.level == level and r.effective_from <= on
            and (r.person_id, r.client_id, r.project_id, r.task_id) == applying[level]
        ]  # fmt: skip
        if found:
            latest = max(r.effective_from for r in found)
            return [r for r in found if r.effective_from == latest][-1]
    return None


@given(rules=RULES, on=st.dates(date(2025, 1, 1), date(2027, 1, 1)), task=st.sampled_from([TASK, None]))
def test_the_rate_book_agrees_with_the_rule_as_written(
    rules: list[RateRule], on: date, task: int | None
) -> None:
    keys = Keys(ME, CLIENT, PROJECT, task)
    assert RateBook(rules).rule_on(keys, on.toordinal()) is rule_as_written(rules, keys, on)


@given(rules=RULES, later=RULES, seconds=SECONDS)
def test_repricing_is_idempotent_and_frozen_prices_never_move(
    rules: list[RateRule], later: list[RateRule], seconds: int
) -> None:
    draft = fact(date(2026, 6, 1), seconds=seconds)
    before = Pricer(RateBook(rules), RateBook([]), USD_BY_SIX_MINUTES)
    assert before.price(draft) == before.price(draft)  # re-pricing a draft changes nothing
    first = before.price(draft)
    approved = fact(date(2026, 6, 1), seconds=seconds, status=EntryStatus.APPROVED, frozen=first)
    after = Pricer(RateBook(rules + later), RateBook([]), USD_BY_SIX_MINUTES)  # any rates added later
    assert after.price(approved).amount == first.amount
    assert after.price(approved).rate == first.rate


@given(raw=st.integers(min_value=0, max_value=3 * 24 * 3600), increment=st.sampled_from([1, 2, 5, 6, 10, 15, 30, 60]),
       rounding=st.sampled_from(list(Rounding)), minimum=st.integers(min_value=0, max_value=7200))  # fmt: skip
def test_the_integer_rounding_is_the_rule_as_written(
    raw: int, increment: int, rounding: Rounding, minimum: int
) -> None:
    step = increment * 60
    whole, rest = divmod(raw, step)
    if rest and (rounding == Rounding.UP or (rounding == Rounding.NEAREST and rest * 2 >= step)):
        whole += 1
    want = whole * step
    if raw > 0 and want < minimum:
        want = -(-minimum // step) * step  # the minimum, as whole increments
    assert (
        bill_seconds(raw, *rounder(increment_minutes=increment, rounding=rounding, minimum_seconds=minimum))
        == want
    )
    hours = (Decimal(raw) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert shown_hours(raw) == hours and str(shown_hours(raw)) == str(hours)


# Random firms for the property below: few people, clients, projects and tasks, so that
# entries share combinations and the batch's caches are exercised.
PEOPLE, CLIENTS, PROJECTS, TASKS = [1, 2, 3], [10, 11, 12], [100, 101, 102, 103], [1000, 1001, 1002, 1003]
DAYS = st.dates(date(2025, 6, 1), date(2026, 6, 1))
BOOK = st.lists(
    st.builds(
        lambda level, rate, day, always, person, client, project, task: RateRule(
            level,
            rate,
            ALWAYS if always else day,
            person_id=person if "person" in level.value else None,
            client_id=client if level in (RateLevel.CLIENT, RateLevel.PERSON_CLIENT) else None,
            project_id=project if level in (RateLevel.PROJECT, RateLevel.PERSON_PROJECT) else None,
            task_id=task if level in (RateLevel.TASK, RateLevel.PERSON_TASK) else None,
        ),
        st.sampled_from(list(RateLevel)),
        RATES,
        DAYS,
        st.booleans(),
        st.sampled_from(PEOPLE),
        st.sampled_from(CLIENTS),
        st.sampled_from(PROJECTS),
        st.sampled_from(TASKS),
    ),  # fmt: skip
    max_size=25,
)
TERMS = st.builds(
    Terms, st.sampled_from(["USD", "JPY", "BHD", "EUR", "KWD", "CLP"]), st.sampled_from([1, 5, 6, 15, 30, 60]),
    st.sampled_from(list(Rounding)), st.sampled_from([0, 0, 300, 900, 3600]),
)  # fmt: skip


@st.composite
def entries(draw: Any, n: int) -> list[FactRow]:
    found = []
    for i in range(n):
        status = draw(st.sampled_from(list(EntryStatus)))
        frozen = draw(st.booleans())  # a price stored on an entry not approved or billed is ignored
        money_or_none = st.one_of(st.none(), st.integers(min_value=0, max_value=10**9))
        found.append(FactRow(
            i + 1, draw(st.sampled_from(PEOPLE)), draw(st.sampled_from(CLIENTS)), draw(st.sampled_from(PROJECTS)),
            draw(st.sampled_from([None, *TASKS])), draw(DAYS).toordinal(), draw(st.integers(1, 12 * 3600)),
            draw(st.sampled_from([True, False, 1, 0])), draw(st.sampled_from(list(BillingType))).value, status.value,
            draw(st.integers(0, 12 * 3600)) if frozen else None,
            draw(money_or_none) if frozen else None,
            draw(money_or_none) if frozen else None,
            draw(money_or_none) if frozen else None,
            draw(st.sampled_from([None, "project rate 250.00 (always)"])) if frozen else None,
        ))  # fmt: skip
    return found


@settings(max_examples=200, deadline=None)
@given(bill=BOOK, cost=BOOK, terms=st.fixed_dictionaries({c: TERMS for c in CLIENTS}), facts=entries(40))
def test_a_batch_prices_every_entry_as_it_is_priced_alone(
    bill: list[RateRule], cost: list[RateRule], terms: dict[int, Terms], facts: list[FactRow]
) -> None:
    lines = list(Pricer(RateBook(bill), RateBook(cost), terms).lines(facts, with_cost=True))
    assert [entry_id for entry_id, *_ in lines] == [f.id for f in facts]
    for f, (_, seconds, rate, minor, currency, cost_rate) in zip(facts, lines, strict=True):
        alone = Pricer(RateBook(bill), RateBook(cost), terms).price(f)  # fresh: no cache shared
        assert (seconds, rate, currency, cost_rate) == (
            alone.billed_seconds, alone.rate, alone.currency, alone.cost_rate,
        )  # fmt: skip
        assert (None if minor is None else from_minor(minor, currency)) == alone.amount
        assert alone.hours == shown_hours(alone.billed_seconds)
        live = f.frozen_billed is None or f.status not in (EntryStatus.APPROVED, EntryStatus.BILLED)
        if alone.rate is not None and live:  # priced live: the Decimal definition
            assert alone.amount == money(alone.hours * alone.rate, alone.currency)
            assert alone.amount == line_amount(alone.hours, alone.rate, alone.currency)


@pytest.mark.parametrize("increment", [1, 5, 6, 15, 30, 60])
@pytest.mark.parametrize("rounding", list(Rounding))
def test_the_batch_is_the_integer_rules_on_every_second_of_two_hours(
    increment: int, rounding: Rounding
) -> None:
    """The batch inlines money.bill_seconds, hundredths and amount_minor. Both are the same
    expressions of the raw seconds: two hours hold every remainder of every increment and
    the whole of the minimums, so agreeing on each second there is agreeing everywhere."""
    rates = {
        10: ("USD", Decimal("312.5625")),
        11: ("JPY", Decimal("4999.9999")),
        12: ("BHD", Decimal("0.0051")),
    }
    terms = {
        c: Terms(currency, increment, rounding, 900 if c == 11 else 0) for c, (currency, _) in rates.items()
    }
    book = RateBook([RateRule(RateLevel.CLIENT, rate, ALWAYS, client_id=c) for c, (_, rate) in rates.items()])
    draft = fact(CHANGE, task=None)
    entries = [draft._replace(client_id=c, raw_seconds=raw) for raw in range(2 * 3600 + 1) for c in rates]
    lines = Pricer(book, RateBook([]), terms).lines(entries)
    for entry, (_, seconds, _, minor, _, _) in zip(entries, lines, strict=True):
        currency, rate = rates[entry.client_id]
        billed = bill_seconds(entry.raw_seconds, *terms[entry.client_id].rounder)
        assert seconds == billed
        assert minor == amount_minor(hundredths(billed), rate_units(rate), 10 ** digits(currency))


def test_rates_are_exact_ten_thousandths_and_never_negative() -> None:
    assert rate_units(Decimal("312.5625")) == 3125625
    for bad in (Decimal("0.00001"), Decimal("-1")):
        with pytest.raises(ValueError):
            rate_units(bad)


def test_array_literals_reach_postgresql_as_the_values_they_were(engine: Any) -> None:
    from decimal import Decimal as D

    from sqlalchemy import text

    from storage.prices import pg_array

    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL array literals")
    words = ["plain", "", "NULL", 'say "hi"', "back\\slash", "a,b", "{braces}", "  spaced  ", "ünï"]
    amounts = [D("1.00"), None, D("312.5625"), D("1E+2"), D("-0.01")]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT CAST(:a AS varchar[])"), {"a": pg_array(words)}).scalar() == words
        got = conn.execute(text("SELECT CAST(:a AS numeric[])"), {"a": pg_array(amounts)}).scalar()
        assert got == amounts
        assert conn.execute(text("SELECT CAST(:a AS integer[])"), {"a": pg_array([1, None, 3])}).scalar() == [
            1,
            None,
            3,
        ]
