"""``punchcard report --quality`` and ``punchcard report --metrics utilization|realization|wip|
profitability``: a period's questionable entries, and the partner metrics, as a table or CSV."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.config import Settings, open_db
from bot.errors import UserError
from bot.services import partner_metrics
from bot.services import quality as quality_service
from bot.services.clock import utcnow
from bot.services.sharing import today as firm_today
from bot.views import partner as views


def _period(args: argparse.Namespace, today: date) -> tuple[date, date]:
    """``--from``/``--to``; without them, last month."""
    first, last = getattr(args, "first", None), getattr(args, "last", None)
    if first is None and last is None:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    first, last = first or (last or today).replace(day=1), last or today
    if last < first:
        raise UserError(f"the period ends ({last}) before it starts ({first}); give --from before --to")
    return first, last


def _write(text: str, args: argparse.Namespace) -> None:
    out = getattr(args, "out", None)
    if not out:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        Path(out).write_text(text)
    except OSError as err:
        raise UserError(f"cannot write {out}: {err.strerror}") from None
    print(f"Written to {out}.", file=sys.stderr)


def _csv(args: argparse.Namespace) -> bool:
    fmt = getattr(args, "format", None) or "table"
    if fmt not in ("table", "csv"):
        raise UserError(f"--format {fmt} is not offered here; use table or csv")
    return fmt == "csv"


def quality(settings: Settings, args: argparse.Namespace) -> int:
    db = open_db(settings)
    with db.transaction(read_only=True) as conn:
        first, last = _period(args, firm_today(conn, utcnow()))
        flags = quality_service.check(conn, first, last)
    _write(views.quality_csv(flags) if _csv(args) else views.quality_table(flags), args)
    return 0


def metrics(settings: Settings, args: argparse.Namespace) -> int:
    kind = args.metrics
    db = open_db(settings)
    with db.transaction(read_only=True) as conn:
        today = firm_today(conn, utcnow())
        first, last = _period(args, today)
        if kind == "utilization":
            found: list = partner_metrics.utilization(conn, first, last)  # type: ignore[type-arg]
        elif kind == "realization":
            found = partner_metrics.realization(conn, first, last)
        elif kind == "wip":
            found = partner_metrics.work_in_progress(conn, today=min(last, today))
        elif kind == "profitability":
            found = partner_metrics.profitability(conn, first, last)
        else:
            raise UserError(f"--metrics {kind} is not one of utilization, realization, wip, profitability")
    _write(views.metrics_csv(kind, found) if _csv(args) else views.metrics_table(kind, found), args)
    return 0
