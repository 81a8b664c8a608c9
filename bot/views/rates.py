"""What `/track rate` and `punchcard rates explain` say about an entry's price."""

from __future__ import annotations

from decimal import Decimal

from bot.services.money import format_money
from bot.services.pricing import Explanation


def explanation_text(explanation: Explanation) -> str:
    p = explanation.price
    lines = [f"Entry {explanation.entry_id} ({explanation.status.value}): {p.hours} h billed of "
             f"{Decimal(p.raw_seconds) / 3600:.2f} h worked."]  # fmt: skip
    if p.rate is None:
        lines.append(f"Not priced: {p.rule}.")
    else:
        lines.append(f"Rate {format_money(p.rate, p.currency, explanation.locale)}/h from the {p.rule}.")
        if p.amount is not None:
            lines.append(f"Amount {format_money(p.amount, p.currency, explanation.locale)}.")
    if explanation.frozen:
        lines.append("Frozen at approval: later rate changes do not change it.")
    return "\n".join(lines)
