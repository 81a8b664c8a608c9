"""``punchcard import|export|audit|period|rates``: the firm's data from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings, open_db
from bot.errors import UserError
from bot.services.clock import utcnow


def import_file(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.importer import import_yaml
    from bot.services.importer.schema import decode

    path = Path(args.file)
    try:
        text = decode(path.read_bytes())
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror}") from None
    db = open_db(settings)
    with db.transaction() as conn:
        summary = import_yaml(conn, text, now=utcnow(), progress=lambda line: print(line, file=sys.stderr))
    print(summary.describe())
    return 0


def audit(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import audit as trail
    from bot.views import audit as views

    if args.entry is None and (args.first is None or args.last is None):
        raise UserError("give --entry ID, or --from YYYY-MM-DD --to YYYY-MM-DD (with --format csv)")
    db = open_db(settings)
    with db.transaction(read_only=True) as conn:
        if args.entry is not None:
            print(views.render(trail.history(conn, args.entry)))
        elif args.format == "csv":
            views.write_csv(sys.stdout, trail.between(conn, args.first, args.last))
        else:
            print(views.render(list(trail.between(conn, args.first, args.last))))
    return 0


def period(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import periods

    db = open_db(settings)
    with db.transaction() as conn:
        change = periods.close if args.period_command == "close" else periods.reopen
        change(conn, args.month, actor="cli", reason=args.reason, now=utcnow())
    print(f"{args.month} is {'closed' if args.period_command == 'close' else 'open again'}.")
    return 0


def rates_explain(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import pricing
    from bot.views import rates

    db = open_db(settings)
    with db.transaction(read_only=True) as conn:
        explanation = pricing.explain(conn, args.entry)
    if explanation is None:
        raise UserError(f"no entry {args.entry}")
    print(rates.explanation_text(explanation))
    return 0


def export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import export as exporter

    db = open_db(settings)
    # Read-only: on SQLite an export runs beside the bot instead of holding its write lock.
    with db.transaction(read_only=True) as conn:
        data = exporter.rows(
            conn, first=args.first, last=args.last, client=args.client, person=args.person,
            with_cost=args.with_cost,
        )  # fmt: skip
        exporter.write_csv(sys.stdout, data, with_cost=args.with_cost)
    return 0
