"""The ``punchcard`` command. Errors are one line on stderr and exit code 2, never a traceback.

The subcommands' work is in ``bot.cli.data`` (the firm's data: import, export, audit,
periods, rates) and ``bot.cli.ops`` (running Punchcard: serve, scheduler, db, outbox, jobs).
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, datetime
from typing import NoReturn

from bot.config import ConfigError, Settings
from bot.views import refusals

EXIT_USAGE = 2


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _entry_id(value: str) -> int:
    """An entry id the INTEGER column can hold (a 30-digit one would fail in the driver)."""
    from bot.parsing import MAX_ID

    if not value.isdigit() or not 0 < int(value) <= MAX_ID:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an entry id (a whole number from 1 to {MAX_ID:,})"
        )
    return int(value)


def _instant(value: str) -> datetime:
    """An ISO 8601 instant; without an offset it is UTC."""
    from datetime import UTC

    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 time such as 2026-12-02T09:30:00Z"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class _Parser(argparse.ArgumentParser):
    """A wrong command line is one line, naming what was wrong and where to read the right form."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from bot.scheduler import JOBS

    parser = _Parser(prog="punchcard", description="Billable time tracking in Slack.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the bot (HTTP on --port, or --socket for Socket Mode)")
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; 0.0.0.0 behind a reverse proxy)",
    )
    serve.add_argument("--socket", action="store_true", help="Socket Mode (needs SLACK_APP_TOKEN)")
    serve.add_argument("--threads", type=int, default=4, help="request threads per process (default 4)")
    sub.add_parser("scheduler", help="run the scheduled jobs and the outbox sender, without serving requests")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply pending migrations")

    imp = sub.add_parser("import", help="upsert workspace, people, clients, projects from YAML")
    imp.add_argument("file")

    aud = sub.add_parser("audit", help="the audit trail: one entry's history, or a period as CSV")
    aud.add_argument("--entry", type=_entry_id, metavar="ID")
    aud.add_argument("--from", dest="first", type=_date, metavar="YYYY-MM-DD")
    aud.add_argument("--to", dest="last", type=_date, metavar="YYYY-MM-DD")
    aud.add_argument("--format", choices=["text", "csv"], default="text")

    period = sub.add_parser("period", help="month-end close")
    period_sub = period.add_subparsers(dest="period_command", required=True, metavar="ACTION")
    for action, what in (("close", "lock a month's entries"), ("reopen", "unlock a closed month")):
        p = period_sub.add_parser(action, help=what)
        p.add_argument("month", metavar="YYYY-MM")
        p.add_argument("--reason", default="", required=action == "reopen")

    rates = sub.add_parser("rates", help="rate book tools")
    rates_sub = rates.add_subparsers(dest="rates_command", required=True, metavar="ACTION")
    explain = rates_sub.add_parser("explain", help="which rule priced an entry")
    explain.add_argument("--entry", type=_entry_id, required=True, metavar="ID")

    exp = sub.add_parser("export", help="write time entries as CSV to stdout")
    exp.add_argument("--format", choices=["csv"], default="csv")
    exp.add_argument("--from", dest="first", type=_date, metavar="YYYY-MM-DD")
    exp.add_argument("--to", dest="last", type=_date, metavar="YYYY-MM-DD")
    exp.add_argument("--client", metavar="NAME")
    exp.add_argument("--person", metavar="SLACK_ID")
    exp.add_argument("--with-cost", action="store_true", help="add cost_rate and cost (partners and admins)")

    inv = sub.add_parser("invoice", help="invoice a client's approved time for a period (PDF, CSV or XLSX)")
    inv.add_argument("--client", required=True, metavar="NAME")
    inv.add_argument("--from", dest="first", type=_date, required=True, metavar="YYYY-MM-DD")
    inv.add_argument("--to", dest="last", type=_date, required=True, metavar="YYYY-MM-DD")
    inv.add_argument("--draft", action="store_true", help="a draft: no number, nothing billed")
    groups = ["task", "project", "person", "detailed"]
    inv.add_argument("--group", choices=groups, default="task",
                     help="lines by project and task (default), project, person, or entry")  # fmt: skip
    inv.add_argument("--format", choices=["pdf", "csv", "xlsx", "ledes"], default="pdf",
                     help="ledes: a LEDES 1998B file, for clients with ebilling: ledes")  # fmt: skip
    inv.add_argument("--out", default=".", metavar="DIR", help="folder to write the file to (default: here)")
    inv.add_argument("--post", action="store_true",
                     help="also post the PDF and its summary to the client's billing channel")  # fmt: skip

    acc = sub.add_parser(
        "accounting-export", help="invoices issued in a period as a QuickBooks or Xero import CSV"
    )
    acc.add_argument("--format", choices=["quickbooks", "xero"], required=True)
    acc.add_argument("--from", dest="first", type=_date, required=True, metavar="YYYY-MM-DD")
    acc.add_argument("--to", dest="last", type=_date, required=True, metavar="YYYY-MM-DD")
    acc.add_argument("--out", default=".", metavar="DIR", help="folder to write the file to (default: here)")
    acc.add_argument(
        "--date-format",
        choices=["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY"],
        help="dates as your books read them (default: xero DD/MM/YYYY, quickbooks MM/DD/YYYY)",
    )
    acc.add_argument("--account-code", default="200", help="xero: the sales account (default 200)")
    acc.add_argument("--tax-type", default="Tax on Sales", help="xero: tax type of taxed invoices")
    acc.add_argument("--exempt-tax-type", default="Tax Exempt", help="xero: tax type of untaxed invoices")
    acc.add_argument("--item", default="Services", help="quickbooks: the product/service (default Services)")

    bak = sub.add_parser("backup", help="copy the database to FILE (on PostgreSQL: the pg_dump command)")
    bak.add_argument("file", metavar="FILE")
    bak.add_argument("--force", action="store_true", help="replace FILE if it exists")
    res = sub.add_parser("restore", help="put a backup in place of the database (stop serve first)")
    res.add_argument("file", metavar="FILE")

    shr = sub.add_parser("share", help="a client's share link: make one (printed once), revoke or list them")
    shr.add_argument("--client", metavar="NAME", help="the client (a unique beginning of its name is enough)")
    shr.add_argument("--project", metavar="CODE", help="only this project of the client's (default: all)")
    shr.add_argument("--expires", type=_date, metavar="YYYY-MM-DD", help="the last day the link opens")
    shr.add_argument("--descriptions", action="store_true", help="show each entry's description")
    shr.add_argument("--revoke", metavar="TOKEN_OR_URL", help="revoke a link: it answers 404 from then on")
    shr.add_argument("--list", action="store_true", help="list the links (of --client, or all)")

    from bot.cli.report import add_parser as add_report
    from bot.sandbox.run import add_parser as add_try

    add_try(sub)  # punchcard try: the sandbox

    add_report(sub, _date)  # punchcard report (and its --quality / --metrics)

    out = sub.add_parser("outbox", help="what the bot sends on its own: list, or retry failed messages")
    out.add_argument("--failed", action="store_true", help="only messages that failed")
    out.add_argument("--limit", type=int, default=50, help="how many, newest first (default 50)")
    out_sub = out.add_subparsers(dest="outbox_command", metavar="ACTION")
    retry = out_sub.add_parser("retry", help="queue failed messages again and send them now")
    retry.add_argument("id", nargs="?", type=_entry_id, metavar="ID")
    retry.add_argument("--failed", dest="all_failed", action="store_true", help="every failed message")

    jobs = sub.add_parser("jobs", help="scheduled jobs: list them, or run one now")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    jobs_sub.add_parser("list", help="each job, its schedule, its last and next run")
    run = jobs_sub.add_parser("run", help="run a job now and deliver what it queued")
    run.add_argument("name", choices=sorted(JOBS), metavar="NAME")
    run.add_argument("--at", type=_instant, metavar="ISO8601", help="run as if it were this time")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command in ("serve", "scheduler") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from bot.cli import accounting, backup, data, invoice, ops, share
    from bot.cli.report import report
    from bot.sandbox.run import try_it

    handlers = {
        "serve": ops.serve, "scheduler": ops.scheduler, "db": ops.db_upgrade, "outbox": ops.outbox,
        "jobs": ops.jobs, "import": data.import_file, "export": data.export, "audit": data.audit,
        "period": data.period, "rates": data.rates_explain, "invoice": invoice.invoice,
        "accounting-export": accounting.accounting_export,
        "backup": backup.backup, "restore": backup.restore, "share": share.share,
        "report": report, "try": try_it,
    }  # fmt: skip
    try:
        return handlers[args.command](Settings.from_env(), args)
    except ConfigError as err:
        print(f"punchcard: {err}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:
        if not refusals.meant_for_people(err):
            raise
        print(f"punchcard: {refusals.explain(err)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
