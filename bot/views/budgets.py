"""Budget alerts: what a project's alert channel reads when a budget crosses a threshold."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from bot.services.budgets import BudgetAlert, Consumption, Pace
from bot.services.clock import format_hours
from bot.services.money import format_money
from bot.views.blocks import Block, context, escape, message, section, truncate

BAR_CELLS = 10
MAX_FIELD_TEXT = 2000


def bar(percent: Decimal) -> str:
    """``▓▓▓▓▓▓▓▓░░ 80 %``: a cell per tenth of the budget, full past it."""
    whole = int(percent.to_integral_value(ROUND_FLOOR))
    filled = max(0, min(BAR_CELLS, whole // 10))
    return "▓" * filled + "░" * (BAR_CELLS - filled) + f" {whole} %"


def _seconds(hours: Decimal) -> int:
    return int(hours * 3600)


def _money(c: Consumption, amount: Decimal) -> str:
    return format_money(amount, c.currency, c.locale)


def subject_name(c: Consumption) -> str:
    project = f"{escape(c.project_name)} ({escape(c.project_code)})"
    return f"{escape(c.task_name)} on {project}" if c.task_name is not None else project


def _period(c: Consumption) -> str:
    if c.period == "total":
        return "Total budget"
    return f"Monthly budget, {date.fromisoformat(c.period + '-01'):%B %Y}"


def _used(c: Consumption) -> list[str]:
    out = []
    if c.budget_hours is not None:
        out.append(f"*Hours*\n{format_hours(c.seconds)} of {format_hours(_seconds(c.budget_hours))} h"
                   f"\napproved {format_hours(c.approved_seconds)}")  # fmt: skip
    if c.budget_amount is not None and c.amount is not None:
        approved = c.approved_amount if c.approved_amount is not None else Decimal(0)
        out.append(f"*Amount*\n{_money(c, c.amount)} of {_money(c, c.budget_amount)}"
                   f"\napproved {_money(c, approved)}")  # fmt: skip
    return out


def _burn(c: Consumption) -> str:
    older, last = c.burn_seconds
    text = (f"*Burn, last 2 weeks*\n{format_hours(older + last)} h "
            f"({format_hours(older)}, then {format_hours(last)} a week)")  # fmt: skip
    if c.burn_amounts is not None and c.budget_amount is not None:
        a, b = c.burn_amounts
        text += f"\n{_money(c, a + b)} ({_money(c, a)}, then {_money(c, b)} a week)"
    return text


def outlook(c: Consumption) -> str:
    if c.pace is Pace.OVER:
        return "already over"
    if c.pace is Pace.DATE and c.runs_out is not None:
        return f"{c.runs_out:%a %d %b %Y} at this pace"
    if c.pace is Pace.AFTER_PERIOD:
        return "not this month at this pace"
    return "not at this pace"


def _contributors(c: Consumption) -> str:
    if not c.contributors:
        return "*Top contributors*\nnobody yet"
    return "*Top contributors*\n" + "\n".join(f"<@{who}> {format_hours(s)}" for who, s in c.contributors)


def headline(a: BudgetAlert) -> str:
    c = a.consumption
    if a.threshold >= 100:
        return f":rotating_light: {subject_name(c)} has used its whole budget ({a.threshold} % alert)"
    return f":warning: {subject_name(c)} has used {a.threshold} % of its budget"


def alert(a: BudgetAlert) -> dict[str, Any]:
    """The alert: the bar, used against the estimate, the burn, when it runs out, who."""
    c = a.consumption
    head = headline(a)
    fields = [*_used(c), _burn(c), f"*Runs out*\n{outlook(c)}", _contributors(c)]
    blocks: list[Block] = [
        section(f"*{head}*"),
        section(f"`{bar(c.percent)}`"),
        {"type": "section",
         "fields": [{"type": "mrkdwn", "text": truncate(f, MAX_FIELD_TEXT)} for f in fields[:10]]},
        context(f"{_period(c)} · as of {c.today:%a %d %b %Y} · all entries, whatever their status"),
    ]  # fmt: skip
    return message(f"{head}: {bar(c.percent)}", blocks, ephemeral=False)
