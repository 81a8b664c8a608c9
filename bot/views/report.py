"""``/track report`` in Slack: the summary answered through the command's response URL (total
hours, billable share, value where the reader may see rates, the top groups, CSV and XLSX
buttons) and the short answers around it. Pure functions of plain values; numbers in the
workspace's locale (Babel)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from bot import ids
from bot.services.report import Figures, Group, Report
from bot.views.blocks import Block, context, escape, header, message, section, truncate
from bot.views.report_chart import whose

TOP = 15  # groups listed in the summary; the files have them all
LINE = 180  # characters a group's line may take
GROUPS = {"client": "clients", "project": "projects", "task": "tasks", "person": "people",
          "work-type": "work types", None: "weeks"}  # fmt: skip
Message = dict[str, Any]


def period(first: date, last: date, locale: str = "en_US") -> str:
    """``November 2026`` for a calendar month, else ``2 Nov – 8 Nov 2026``."""
    whole_month = first.day == 1 and (last + timedelta(days=1)).day == 1
    if whole_month and (first.year, first.month) == (last.year, last.month):
        return str(format_date(first, "LLLL y", locale=locale))
    if first == last:
        return str(format_date(first, "d MMM y", locale=locale))
    start = format_date(first, "d MMM" if first.year == last.year else "d MMM y", locale=locale)
    return f"{start} – {format_date(last, 'd MMM y', locale=locale)}"


def hours(value: Decimal, locale: str = "en_US") -> str:
    return f"{format_decimal(value, format='#,##0.00', locale=locale)} h"


def share(figures: Figures, locale: str = "en_US") -> str:
    found = figures.billable_share
    return "–" if found is None else str(format_percent(found, format="#,##0%", locale=locale))


def value(figures: Figures, locale: str = "en_US") -> str:
    if not figures.value:
        return "nothing billed by the hour"
    return " · ".join(str(format_currency(v, c, locale=locale)) for c, v in figures.value.items())


def scope(report: Report) -> str:
    """Whose time, by what, filtered how: one line."""
    said = [escape(w) for w in whose(report.everyone, report.person, report.client, report.project)]
    by = f"by {report.grouping.replace('-', ' ')}" if report.grouping else "by week"
    return " · ".join([by, *said])


def summary(report: Report, *, buttons: str | None, file: str | None = None) -> Message:
    """The report's message; ``buttons``: the CSV and XLSX buttons' value (None: none);
    ``file``: the format also on its way to the DM."""
    locale, total = report.locale, report.total
    title = f"Report · {period(report.first, report.last, locale)}"
    fields = [f"*Hours*\n{hours(total.hours, locale)}",
              f"*Billable*\n{hours(total.billable_hours, locale)} ({share(total, locale)})"]  # fmt: skip
    if report.show_value:
        fields.append(f"*Value*\n{truncate(value(total, locale), 1900)}")
    fields.append(f"*Entries*\n{format_decimal(total.entries, locale=locale)}")
    blocks: list[Block] = [
        header(title),
        context(scope(report)),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    if not total.entries:
        blocks.append(section("_No time tracked in this period._"))
        return message(f"{title}: no time tracked", blocks)
    shown = _shown(report)
    blocks.append({"type": "divider"})
    blocks.append(section("\n".join(_line(report, g) for g in shown)))
    more = len(report.groups) - len(shown)
    if more:
        what = GROUPS[report.grouping]
        where = "earlier " + what if report.grouping is None else "more " + what
        blocks.append(context(f"…and {more} {where}: the CSV and XLSX files have them all."))
    notes = [":bar_chart: The chart is on its way to your DM."]
    if file:
        notes.append(f"The {file.upper()} file too.")
    if report.show_value and report.grouping is None:
        notes.append("Value is the period's: weeks show hours.")
    blocks.append(context(" ".join(notes)))
    if buttons is not None:
        blocks.append({"type": "actions", "block_id": ids.REPORT_FILES_BLOCK, "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": fmt.upper()},
             "action_id": f"{ids.REPORT_FILE}:{fmt}", "value": buttons} for fmt in ("csv", "xlsx")
        ]})  # fmt: skip
    text = f"{title}: {hours(total.hours, locale)}, {share(total, locale)} billable"
    return message(text, blocks)


def _shown(report: Report) -> list[Group]:
    """The top groups by hours; by week, the latest weeks, in order."""
    if report.grouping is None:
        return report.groups[-TOP:]
    return report.groups[:TOP]


def _line(report: Report, group: Group) -> str:
    locale, figures = report.locale, group.figures
    if report.grouping is None:
        name = f"*Week of {format_date(date.fromisoformat(group.label), 'd MMM y', locale=locale)}*"
    else:
        name = f"*{escape(truncate(group.label, 60))}*"
        if group.detail and report.grouping == "project":
            name += f" {escape(truncate(group.detail, 50))}"
    text = f"{name} — {hours(figures.hours, locale)} · {share(figures, locale)} billable"
    if report.show_value and figures.value:
        text += f" · {value(figures, locale)}"
    return truncate(text, LINE)


def building() -> Message:
    """The ack: the report is gathered after it."""
    return message("Building your report…")


def refused(text: str) -> Message:
    """A report that could not be made, and why (the refusal's own words, mrkdwn)."""
    return message(f":warning: {text}", [section(f":warning: {text}")])


def file_queued(fmt: str, queued: bool) -> Message:
    said = (
        f"The {fmt.upper()} file is on its way to your DM."
        if queued
        else f"The {fmt.upper()} file of this report was sent to your DM already."
    )
    return message(said, [context(said)])


def file_title(report: Report, fmt: str) -> str:
    by = f" by {report.grouping.replace('-', ' ')}" if report.grouping else ""
    return f"Report {period(report.first, report.last, report.locale)}{by} ({fmt.upper()})"
