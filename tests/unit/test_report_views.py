"""What a report shows: the Slack summary within Block Kit limits however many groups and
however long their names, the chart as a real PNG, the files as CSV and XLSX."""

from __future__ import annotations

import csv
import io
import json
import struct
from datetime import date
from decimal import Decimal

import pytest

from bot import ids
from bot.services.report import Figures, Group, Report, Request, publish
from bot.views import report as views
from bot.views import report_chart, report_files
from tests.unit.test_views_limits import check_message

LONG = "x" * 4000


def figures(hours: int, value: dict[str, Decimal] | None = None) -> Figures:
    return Figures(entries=hours, seconds=hours * 3600, billable_seconds=hours * 2700, value=value or {})


def made(
    groups: int, *, grouping: str | None = "project", value: bool = True, name: str = "ACME-WEB"
) -> Report:
    money = (
        {"EUR": Decimal("1234.50"), "JPY": Decimal("98765"), "USD": Decimal("1000000.25")} if value else {}
    )
    if grouping is None:
        found = [Group((date(2026, 1, 5).toordinal() + 7 * i,), date.fromordinal(date(2026, 1, 5).toordinal() + 7 * i)
                       .isoformat(), "", figures(40 + i)) for i in range(groups)]  # fmt: skip
    else:
        found = [Group((i,), f"{name}-{i} <b>&", f"Project {i} {LONG[:i]}", figures(1000 - i, money))
                 for i in range(groups)]  # fmt: skip
    return Report(date(2026, 1, 1), date(2026, 12, 31), grouping, True, value, found, figures(5000, money),
                  "en_US", client="Acme <Corp>", project=None)  # fmt: skip


@pytest.mark.parametrize("count", [0, 1, 15, 16, 500])
@pytest.mark.parametrize("grouping", [None, "project", "person", "work-type", "task", "client"])
def test_the_summary_fits_block_kit_with_any_number_of_groups(count: int, grouping: str | None) -> None:
    found = made(count, grouping=grouping, name=LONG[:300])
    message = views.summary(
        found, buttons=publish.button_value(Request(found.first, found.last, grouping), "abc123")
    )
    check_message(message)
    text = json.dumps(message, ensure_ascii=False)
    assert "<b>" not in text  # names are escaped
    if count > views.TOP:
        assert f"…and {count - views.TOP} " in text


def test_the_summary_says_hours_share_value_and_offers_the_files() -> None:
    found = made(3)
    message = views.summary(found, buttons="{}", file="csv")
    text = json.dumps(message, ensure_ascii=False)
    assert "Report · 1 Jan – 31 Dec 2026" in text and "5,000.00 h" in text and "(75%)" in text
    assert "$1,000,000.25" in text and "€1,234.50" in text and "¥98,765" in text
    assert "The CSV file too." in text and "chart is on its way to your DM" in text
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        f"{ids.REPORT_FILE}:csv",
        f"{ids.REPORT_FILE}:xlsx",
    ]


def test_a_members_summary_shows_no_value() -> None:
    found = made(3, value=False)
    text = json.dumps(views.summary(found, buttons=None))
    assert "Value" not in text and "$" not in text


def test_a_month_reads_as_its_name() -> None:
    assert views.period(date(2026, 11, 1), date(2026, 11, 30)) == "November 2026"
    assert views.period(date(2026, 11, 2), date(2026, 11, 8)) == "2 Nov – 8 Nov 2026"
    assert views.period(date(2025, 12, 29), date(2026, 1, 4)) == "29 Dec 2025 – 4 Jan 2026"


def test_buttons_carry_the_request_and_read_back() -> None:
    request = Request(date(2026, 11, 1), date(2026, 11, 30), "task", client_id=3, project_id=None)
    value = publish.button_value(request, "0123456789ab")
    assert len(value) < 2000
    assert publish.from_button(value) == (request, "0123456789ab")
    for bad in ["", "[]", '{"t": "x y"}', '{"t": "a", "f": "2026-11-01", "l": "2026-11-30", "b": "colour"}',
                '{"t": "a", "f": "2026-11-01", "l": "2026-11-30", "c": "1"}']:  # fmt: skip
        with pytest.raises((ValueError, KeyError, TypeError)):
            publish.from_button(bad)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("grouping", [None, "project"])
def test_the_chart_is_a_png_sized_for_slacks_preview(grouping: str | None) -> None:
    found = made(30, grouping=grouping, name="Dollar$ $x^2$ " + LONG[:100])
    chart = report_chart.Chart.from_payload({**publish.chart_payload(found), "filename": "r.png"})
    data = report_chart.png(chart)
    assert png_size(data) == (1200, 675) and len(data) > 10_000
    if grouping:
        assert len(chart.labels) == publish.TOP and chart.more == 30 - publish.TOP


def test_files_have_every_group_and_a_total() -> None:
    found = made(40)
    rows = list(csv.reader(io.StringIO(report_files.csv_bytes(found).decode())))
    assert rows[0] == ["project", "project_name", "entries", "hours", "billable_hours", "billable_share", "value_EUR",
                       "value_JPY", "value_USD"]  # fmt: skip
    assert len(rows) == 42 and rows[-1][:4] == ["Total", "", "5000", "5000.00"]
    assert rows[1][5] == "0.7500" and rows[1][8] == "1000000.25"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(report_files.xlsx_bytes(found))).active
    assert sheet is not None and sheet.max_row == 42
    assert sheet["I2"].value == 1000000.25 and sheet["F2"].number_format == "0.0%"
    text = report_files.table(made(2, value=False))
    assert text.splitlines()[0].split() == ["project", "project_name", "entries", "hours", "billable_hours",
                                            "billable_share"]  # fmt: skip
    assert "75.0%" in text and text.splitlines()[-1].startswith("Total")


def test_weeks_the_period_cuts_are_told_apart_on_the_chart() -> None:
    payload = {
        "first": "2026-06-03",
        "last": "2026-06-22",
        "labels": ["2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22"],
        "billable": [10, 30, 30, 5],
        "other": [1, 3, 3, 1],
        "filename": "r.png",
    }
    chart = report_chart.Chart.from_payload(payload)
    assert report_chart.partial_weeks(chart) == [0, 3]  # starts on a Wednesday, ends on a Monday
    whole = report_chart.Chart.from_payload({**payload, "first": "2026-06-01", "last": "2026-06-28"})
    assert report_chart.partial_weeks(whole) == []
    assert png_size(report_chart.png(chart)) == (1200, 675)
