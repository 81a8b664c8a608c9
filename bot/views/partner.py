"""What partners read about their firm's time: the quality report (a table for the CLI, a
section of the weekly digest with an Edit button each for the entry's owner) and the partner
metrics (tables and CSV). Pure functions of plain values."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bot import ids
from bot.services.clock import format_hours
from bot.services.partner_metrics import AGES, Profit, Realization, Utilization, WorkInProgress
from bot.services.quality import LATE_DAYS, LONG_SECONDS, ROUND_RUN, Flag
from bot.views.blocks import Block, context, escape, section, truncate

WHY = {
    "short": "description shorter than the firm's minimum",
    "generic": "says nothing about the work",
    "overlap": "overlaps another entry of theirs",
    "long": f"over {LONG_SECONDS // 3600} hours in one entry",
    "round_run": f"one of {ROUND_RUN}+ entries in a row with the same round duration",
    "late": f"logged more than {LATE_DAYS} days after the day",
}
DIGEST_FLAGS = 10  # listed in the digest (two blocks each at most); the CLI lists them all


def quality_table(flags: Sequence[Flag]) -> str:
    if not flags:
        return "No entries to question in this period."
    lines = [f"{'entry':>7}  {'date':<10} {'person':<22} {'project':<12} {'hours':>6}  why / description"]
    for f in flags:
        e = f.entry
        why = "; ".join(WHY[k] for k in f.kinds)
        text = " ".join(e.description.split())[:60] or "(none)"
        lines.append(
            f"{e.id:>7}  {e.day.isoformat():<10} {e.person[:22]:<22} {e.code[:12]:<12} "
            f"{format_hours(e.seconds):>6}  {why}\n{'':>9}“{text}”"
        )
    counts = {k: sum(1 for f in flags if k in f.kinds) for k in WHY}
    lines.append(
        "In all: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n) + f" ({len(flags)} entries)."
    )
    return "\n".join(lines)


def quality_csv(flags: Sequence[Flag]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["entry", "date", "person", "slack_id", "project", "hours", "reasons", "description"])
    for f in flags:
        e = f.entry
        writer.writerow(
            [
                e.id,
                e.day.isoformat(),
                e.person,
                e.slack_id,
                e.code,
                f"{e.seconds / 3600:.2f}",
                " ".join(f.kinds),
                e.description,
            ]
        )
    return out.getvalue()


def quality_blocks(flags: Sequence[Flag]) -> list[Block]:
    """The digest's section: each entry with its owner and why, and an Edit button that opens
    it for its owner (anyone else is told it is not theirs)."""
    if not flags:
        return [section("*Time-log quality*: nothing to question last week. :white_check_mark:")]
    blocks: list[Block] = [
        section(f"*Time-log quality*: {len(flags)} entries to look at before they are billed")
    ]
    for f in flags[:DIGEST_FLAGS]:
        e = f.entry
        what = escape(truncate(" ".join(e.description.split()), 120)) or "_no description_"
        text = (
            f"<@{e.slack_id}> · {e.day:%a %d %b} · {escape(e.code)} · {format_hours(e.seconds)} · {what}\n"
            f"_{'; '.join(WHY[k] for k in f.kinds)}_"
        )
        blocks.append(
            {
                **section(text),
                "accessory": {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Edit"},
                    "action_id": f"{ids.ENTRY_MENU}:{e.id}",
                    "value": f"edit:{e.id}",
                },
            }
        )
    if len(flags) > DIGEST_FLAGS:
        blocks.append(context(f"…and {len(flags) - DIGEST_FLAGS} more: `punchcard report --quality`"))
    return blocks


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value} %"


def metrics_rows(kind: str, found: Sequence[Any]) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a metric, for a table or CSV."""
    if kind == "utilization":
        return (
            ["person", "billable_hours", "expected_hours", "utilization"],
            [[u.name, _h(u.billable), _h(u.expected), _pct(u.percent)] for u in found],
        )
    if kind == "realization":
        return (
            ["client", "project", "hours", "billed", "at_standard_rates", "realization"],
            [
                [
                    r.client,
                    r.project or "(all)",
                    str(r.hours),
                    str(r.billed),
                    str(r.standard),
                    _pct(r.percent),
                ]
                for r in found
            ],
        )
    if kind == "wip":
        ages = [f"{low}-{high} days" if high else f"over {low - 1} days" for low, high in AGES]
        return (
            ["client", "currency", *ages, "total"],
            [[w.client, w.currency, *(str(b) for b in w.buckets), str(w.total)] for w in found],
        )
    return (
        ["client", "project", "currency", "revenue", "cost", "margin", "margin_percent"],
        [
            [
                p.client,
                p.project or "(all)",
                p.currency,
                str(p.revenue),
                str(p.cost),
                str(p.margin),
                _pct(p.percent),
            ]
            for p in found
        ],
    )


def metrics_table(kind: str, found: Sequence[Utilization | Realization | WorkInProgress | Profit]) -> str:
    header, rows = metrics_rows(kind, found)
    if not rows:
        return "Nothing to show for this period."
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]

    def fmt(row: list[str]) -> str:
        return "  ".join(
            str(x).ljust(w) if i == 0 or not _numeric(str(x)) else str(x).rjust(w)
            for i, (x, w) in enumerate(zip(row, widths, strict=True))
        )

    return "\n".join([fmt(header), *(fmt(r) for r in rows)])


def metrics_csv(kind: str, found: Sequence[Any]) -> str:
    header, rows = metrics_rows(kind, found)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _h(seconds: int) -> str:
    return f"{seconds / 3600:.2f}"


def _numeric(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).replace(" %", "").isdigit()
