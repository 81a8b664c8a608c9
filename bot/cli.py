"""The ``punchcard`` command. Errors are one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.errors import UserError

EXIT_USAGE = 2


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="punchcard", description="Billable time tracking in Slack.")
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

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply pending migrations")

    imp = sub.add_parser("import", help="upsert workspace, people, clients, projects from YAML")
    imp.add_argument("file", type=Path)

    aud = sub.add_parser("audit", help="the audit trail: one entry's history, or a period as CSV")
    aud.add_argument("--entry", type=int, metavar="ID")
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
    explain.add_argument("--entry", type=int, required=True, metavar="ID")

    exp = sub.add_parser("export", help="write time entries as CSV to stdout")
    exp.add_argument("--format", choices=["csv"], default="csv")
    exp.add_argument("--from", dest="first", type=_date, metavar="YYYY-MM-DD")
    exp.add_argument("--to", dest="last", type=_date, metavar="YYYY-MM-DD")
    exp.add_argument("--client", metavar="NAME")
    exp.add_argument("--person", metavar="SLACK_ID")
    exp.add_argument("--with-cost", action="store_true", help="add cost_rate and cost (partners and admins)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command == "serve" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
        if args.command == "serve":
            from bot.server import serve

            return serve(settings, host=args.host, port=args.port, socket=args.socket, threads=args.threads)
        if args.command == "db":
            return _db_upgrade(settings)
        if args.command == "import":
            return _import(settings, args.file)
        if args.command == "export":
            return _export(settings, args)
        if args.command == "audit":
            return _audit(settings, args)
        if args.command == "period":
            return _period(settings, args)
        if args.command == "rates":
            return _rates_explain(settings, args.entry)
    except (ConfigError, UserError) as err:
        message = err.render() if isinstance(err, UserError) else str(err)
        print(f"punchcard: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return EXIT_USAGE


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    from storage.db import make_engine, ping
    from storage.migrate import upgrade

    engine = make_engine(settings.database_url)
    try:
        ping(engine)
        upgrade(engine)
    except OperationalError as err:
        raise ConfigError(f"DATABASE_URL: cannot open the database: {err.orig}") from None
    return engine


def _db_upgrade(settings: Settings) -> int:
    _engine(settings)
    print("Database is up to date.")
    return 0


def _import(settings: Settings, path: Path) -> int:
    from bot.services.clock import utcnow
    from bot.services.importer import import_yaml
    from storage.db import make_sessionmaker, session_scope

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror}") from None
    engine = _engine(settings)
    with session_scope(make_sessionmaker(engine)) as session:
        summary = import_yaml(session, text, now=utcnow())
    print(summary.describe())
    return 0


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import audit
    from storage.db import make_sessionmaker, read_scope

    if args.entry is None and (args.first is None or args.last is None):
        raise UserError("give --entry ID, or --from YYYY-MM-DD --to YYYY-MM-DD (with --format csv)")
    engine = _engine(settings)
    with read_scope(make_sessionmaker(engine)) as conn:
        if args.entry is not None:
            print(audit.render(audit.history(conn, args.entry)))
        elif args.format == "csv":
            audit.write_csv(sys.stdout, audit.between(conn, args.first, args.last))
        else:
            print(audit.render(list(audit.between(conn, args.first, args.last))))
    return 0


def _period(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import periods
    from bot.services.clock import utcnow
    from storage.db import make_sessionmaker, write_scope

    engine = _engine(settings)
    with write_scope(make_sessionmaker(engine)) as conn:
        change = periods.close if args.period_command == "close" else periods.reopen
        change(conn, args.month, actor="cli", reason=args.reason, now=utcnow())
    print(f"{args.month} is {'closed' if args.period_command == 'close' else 'open again'}.")
    return 0


def _rates_explain(settings: Settings, entry_id: int) -> int:
    from bot.services import pricing
    from bot.views import rates
    from storage.db import make_sessionmaker, read_scope

    engine = _engine(settings)
    with read_scope(make_sessionmaker(engine)) as conn:
        explanation = pricing.explain(conn, entry_id)
    if explanation is None:
        raise UserError(f"no entry {entry_id}")
    print(rates.explanation_text(explanation))
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import export
    from storage.db import make_sessionmaker, session_scope

    engine = _engine(settings)
    # Read-only: on SQLite an export runs beside the bot instead of holding its write lock.
    with session_scope(make_sessionmaker(engine), read_only=True) as session:
        data = export.rows(
            session, first=args.first, last=args.last, client=args.client, person=args.person,
            with_cost=args.with_cost,
        )  # fmt: skip
        export.write_csv(sys.stdout, data, with_cost=args.with_cost)
    return 0


if __name__ == "__main__":
    sys.exit(main())
