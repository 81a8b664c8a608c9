"""``punchcard report``: a period's hours, billable share and value by client, project, task,
person or work type (or by week), as a table, CSV or XLSX, with its chart as a PNG. The CLI
sees everything (it has the database): everyone's time, and the value.

``--quality`` and ``--metrics`` are the partner reports of ``bot.cli.report_partner``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.config import Settings, open_db
from bot.errors import UserError
from storage.report import GROUPINGS

METRICS = ("utilization", "realization", "wip", "profitability")


def add_parser(sub: Any, day: Callable[[str], date]) -> None:
    """The ``report`` subcommand's options (``day``: the CLI's YYYY-MM-DD type)."""
    rep = sub.add_parser(
        "report", help="hours, billable share and value by client, project, task, person or work type"
    )
    rep.add_argument("--by", choices=GROUPINGS, help="the grouping (default: none, by week)")
    rep.add_argument("--from", dest="first", type=day, metavar="YYYY-MM-DD")
    rep.add_argument("--to", dest="last", type=day, metavar="YYYY-MM-DD")
    rep.add_argument(
        "--client", metavar="NAME", help="only this client's time (a unique beginning is enough)"
    )
    rep.add_argument("--project", metavar="CODE", help="only this project's time")
    rep.add_argument("--person", metavar="SLACK_ID", help="only this person's time")
    rep.add_argument("--format", choices=["table", "csv", "xlsx"], default="table")
    rep.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output; xlsx needs it)")
    rep.add_argument("--chart", metavar="FILE.png", help="also draw the report's chart to FILE.png")
    rep.add_argument("--quality", action="store_true", help="time-log quality: entries worth a second look")
    rep.add_argument("--metrics", choices=METRICS, help="a partner metric instead (table or csv)")


def report(settings: Settings, args: argparse.Namespace) -> int:
    if args.quality:
        from bot.cli.report_partner import quality

        return quality(settings, args)
    if args.metrics:
        from bot.cli.report_partner import metrics

        return metrics(settings, args)
    return _report(settings, args)


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import report as reports
    from bot.views import report_files

    if args.first is None or args.last is None:
        raise UserError("give the period: --from YYYY-MM-DD --to YYYY-MM-DD")
    if args.format == "xlsx" and not args.out:
        raise UserError("--format xlsx writes a file: give --out FILE.xlsx")
    db = open_db(settings)
    with db.transaction(read_only=True, snapshot=True) as conn:  # SQLite: beside the bot, not in its lock
        request = reports.resolve(conn, args.first, args.last, args.by, client=args.client,
                                  project=args.project, person=args.person)  # fmt: skip
        found = reports.gather(conn, request, show_value=True)
    if args.format == "table":
        content = report_files.table(found).encode()
    else:
        content = report_files.csv_bytes(found) if args.format == "csv" else report_files.xlsx_bytes(found)
    if args.out:
        _write(Path(args.out), content)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    if args.chart:
        _write(Path(args.chart), _chart(found))
    return 0


def _chart(found: Any) -> bytes:
    from bot.services.report import publish
    from bot.views import report_chart

    payload = {**publish.chart_payload(found), "filename": "report.png"}
    return report_chart.png(report_chart.Chart.from_payload(payload))


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as err:
        raise UserError(f"cannot write {path}: {err.strerror}") from None
    print(f"Written to {path}.", file=sys.stderr)
