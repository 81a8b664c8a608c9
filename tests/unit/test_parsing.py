from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import parsing
from bot.errors import UserError
from bot.parsing import (
    Help,
    LastEntry,
    Log,
    OpenModal,
    Report,
    Start,
    Status,
    Stop,
    parse,
    parse_date,
    parse_duration,
)

SUNDAY = date(2026, 11, 22)
TUESDAY = date(2026, 11, 17)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90m", 5400),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("1:30", 5400),
        ("0.1h", 360),
        ("2h", 7200),
        ("45min", 2700),
        ("24h", 86400),
        ("0:01", 60),
        ("1H30M", 5400),
    ],
)
def test_durations_in_every_documented_form(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0m", "0h", "0:00", "0.0h", "25h", "24h1m", "1441m", "99999999h", "24:01"])
def test_zero_and_over_a_day_are_read_and_then_refused_by_the_entry_rule(text: str) -> None:
    # The grammar reads the duration; whether an entry may last that long is the entries
    # service's one rule, the same for /track log, the form and a stopped timer.
    from bot.services.entries import rules

    [violation] = rules.duration(parse_duration(text))
    assert violation.rule == rules.Rule.DURATION


@pytest.mark.parametrize("text", ["abc", "1.5", "h", "m", "1:60", "-1h", "1h-30m", "1..5h", "", "1:5"])
def test_non_durations_name_the_right_forms(text: str) -> None:
    with pytest.raises(UserError, match="90m"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", SUNDAY),
        ("yesterday", date(2026, 11, 21)),
        ("2026-11-02", date(2026, 11, 2)),
        ("monday", date(2026, 11, 16)),
        ("mon", date(2026, 11, 16)),
        ("saturday", date(2026, 11, 21)),
        ("sunday", date(2026, 11, 15)),  # the most recent *past* Sunday, not today
        ("Friday", date(2026, 11, 20)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, SUNDAY) == expected


@pytest.mark.parametrize("text", ["2026-11-23", "tomorrow", "2030-01-01"])
def test_future_dates_are_read_and_then_refused_by_the_entry_rule(text: str) -> None:
    from bot.services.entries import rules

    [violation] = rules.day(parse_date(text, SUNDAY), today=SUNDAY, closed=set())
    assert violation.rule == rules.Rule.FUTURE


def test_impossible_date_is_refused() -> None:
    with pytest.raises(UserError, match="not a real date"):
        parse_date("2026-02-30", SUNDAY)


def test_start_splits_project_and_rest_with_quotes() -> None:
    assert parse('start "Website Redesign" Design homepage wireframes', TUESDAY) == Start(
        project="Website Redesign", rest=["Design", "homepage", "wireframes"]
    )


def test_curly_quotes_from_slack_group_words() -> None:
    assert parse("start \u201cWebsite Redesign\u201d", TUESDAY) == Start(project="Website Redesign", rest=[])


def test_apostrophes_stay_in_descriptions() -> None:
    assert parse("start acme client's call", TUESDAY) == Start(project="acme", rest=["client's", "call"])


def test_log_with_date_at_the_end() -> None:
    assert parse("log 1h30m ACME-WEB Build fixed footer on yesterday", SUNDAY) == Log(
        seconds=5400, project="ACME-WEB", rest=["Build", "fixed", "footer"], day=date(2026, 11, 21)
    )


def test_log_without_date_is_today() -> None:
    assert parse("log 0.1h acme", SUNDAY) == Log(seconds=360, project="acme", rest=[], day=SUNDAY)


def test_on_followed_by_a_non_date_stays_in_the_description() -> None:
    cmd = parse("log 1h acme worked on homepage", SUNDAY)
    assert isinstance(cmd, Log) and cmd.rest == ["worked", "on", "homepage"] and cmd.day == SUNDAY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stop", Stop()),
        ("STATUS", Status()),
        ("today", Report("today")),
        ("week", Report("week")),
        ("help", Help()),
        ("", Help()),
        ("   ", Help()),
        ("start", OpenModal("start")),
        ("log", OpenModal("entry")),
        ("new", OpenModal("entry")),
        ("edit last", LastEntry("edit")),
        ("DELETE Last", LastEntry("delete")),
    ],
)
def test_simple_subcommands(text: str, expected: object) -> None:
    assert parse(text, SUNDAY) == expected


def test_stop_takes_a_description_to_fill_in() -> None:
    from bot.parsing import Discard, Stop

    assert parse("stop", SUNDAY) == Stop(None)
    assert parse("stop homepage wireframes", SUNDAY) == Stop("homepage wireframes")
    assert parse("discard", SUNDAY) == Discard()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("frobnicate", "not a /track command"),
        ("edit", "works on your last entry"),
        ("delete 12", "works on your last entry"),
        ("new thing", "takes no arguments"),
        ("log 1h", "needs a duration and a project"),
        ("log acme 1h", "not a duration"),
        ("log 1h acme on 2026-02-30", "not a real date"),
        ("status now", "takes no arguments"),
        ("discard it", "takes no arguments"),
        ('start "unclosed', "closing"),
    ],
)
def test_bad_input_says_what_is_wrong(text: str, needle: str) -> None:
    with pytest.raises(UserError) as err:
        parse(text, SUNDAY)
    assert needle in err.value.render()


def test_errors_show_the_right_form() -> None:
    with pytest.raises(UserError) as err:
        parse("log 1h", SUNDAY)
    assert "/track log <duration> <project>" in err.value.render()


@given(st.text(alphabet=st.characters(blacklist_characters='"\u201c\u201d')))
def test_text_without_quotes_splits_exactly_as_shlex_would(text: str) -> None:
    normalized = text.replace("\u2018", "'").replace("\u2019", "'")
    assert parsing.split_words(text) == parsing.shell_words(normalized)
