"""``/track report`` words: periods, groupings, filters and files in any order, and wrong input
answered with the right form."""

from __future__ import annotations

from datetime import date

import pytest

from bot import parsing
from bot.errors import UserError
from bot.report_words import REPORT_USAGE, ReportRequest, parse_report

TODAY = date(2026, 12, 2)  # a Wednesday


def words(text: str) -> ReportRequest:
    found = parsing.parse(f"report {text}", TODAY)
    assert isinstance(found, ReportRequest)
    return found


def test_the_default_is_this_month_by_week() -> None:
    assert words("") == ReportRequest(date(2026, 12, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("this week", date(2026, 11, 30), date(2026, 12, 6)),
        ("last week", date(2026, 11, 23), date(2026, 11, 29)),
        ("this month", date(2026, 12, 1), date(2026, 12, 31)),
        ("last month", date(2026, 11, 1), date(2026, 11, 30)),
        ("LAST MONTH", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2024-2", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-10-05..2026-11-20", date(2026, 10, 5), date(2026, 11, 20)),
        ("2026-10-05", date(2026, 10, 5), date(2026, 10, 5)),
    ],
)
def test_periods(text: str, first: date, last: date) -> None:
    found = words(text)
    assert (found.first, found.last) == (first, last)


def test_last_month_in_january_is_last_december() -> None:
    found = parse_report(["last", "month"], date(2027, 1, 10))
    assert (found.first, found.last) == (date(2026, 12, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("text", "grouping"),
    [("by client", "client"), ("by projects", "project"), ("by Task", "task"), ("by person", "person"),
     ("by people", "person"), ("by work-type", "work-type"), ("by work type", "work-type"),
     ("by worktype", "work-type"), ("by type", "work-type")],
)  # fmt: skip
def test_groupings(text: str, grouping: str) -> None:
    assert words(text).grouping == grouping


def test_every_part_in_any_order_with_names_of_several_words() -> None:
    found = words('by project client Acme Corp last month project "Website Redesign" as xlsx')
    assert found == ReportRequest(date(2026, 11, 1), date(2026, 11, 30), grouping="project",
                                  client="Acme Corp", project="Website Redesign", fmt="xlsx")  # fmt: skip
    assert words("last month by task client acme as csv").fmt == "csv"


def test_a_name_ends_at_the_next_part_but_may_hold_last() -> None:
    assert words("client Last Chance Ltd by client").client == "Last Chance Ltd"
    found = words("client Acme last week")
    assert (found.client, found.first) == ("Acme", date(2026, 11, 23))
    assert words("client Acme 2026-10").client == "Acme"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("by colour", "`by colour` is not a grouping; use one of: client, project, task, person, work-type."),
        ("by", "`by` needs a grouping"),
        ("client", "Which client?"),
        ("project by client", "Which project?"),
        ("as pdf", "`as` takes `csv` or `xlsx`."),
        ("2026-13", "`2026-13` is not a month"),
        ("2026-02-30", "`2026-02-30` holds a day that does not exist."),
        ("2026-11-30..2026-11-01", "ends before it starts"),
        ("last month this week", "A report takes one period."),
        ("by client by project", "A report takes `by` once."),
        ("yesterday-ish", "`yesterday-ish` is not part of a report."),
        ("last", "`last` is not part of a report."),
    ],
)
def test_wrong_words_are_answered_with_the_right_form(text: str, said: str) -> None:
    with pytest.raises(UserError) as err:
        words(text)
    assert said in err.value.message
    assert err.value.usage == REPORT_USAGE


def test_report_is_a_known_subcommand_with_its_usage() -> None:
    assert "report" in parsing.SUBCOMMANDS
    assert parsing.USAGE["report"] == REPORT_USAGE
    assert "/track report last month by project" in REPORT_USAGE
