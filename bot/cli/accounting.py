"""``punchcard accounting-export``: the invoices and credit notes issued in a period as one
QuickBooks Online or Xero invoice-import CSV (``bot.views.accounting``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings, open_db
from bot.errors import UserError
from bot.services.invoices import exports
from bot.views import accounting


def accounting_export(settings: Settings, args: argparse.Namespace) -> int:
    db = open_db(settings)
    with db.transaction(read_only=True) as conn:
        period = exports.issued(conn, args.first, args.last)
    if args.format == "xero":
        content = accounting.xero(period.documents, account_code=args.account_code, tax_type=args.tax_type,
                                  exempt_tax_type=args.exempt_tax_type,
                                  date_format=args.date_format or "DD/MM/YYYY")  # fmt: skip
    else:
        content = accounting.quickbooks(period.documents, item=args.item,
                                        date_format=args.date_format or "MM/DD/YYYY")  # fmt: skip
    out = Path(args.out)
    path = out / f"{args.format}-invoices-{args.first}-to-{args.last}.csv"
    try:
        out.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except OSError as err:
        raise UserError(f"cannot write the export to {out}: {err.strerror}") from None
    lines = sum(len(d.lines) + (1 if d.discount else 0) for d in period.documents)
    print(f"{len(period.documents)} invoices and credit notes issued {args.first} to {args.last}, "
          f"{lines} rows -> {path}")  # fmt: skip
    if period.left_out:
        print(f"Left out, void without a credit note (never a receivable): {', '.join(period.left_out)}",
              file=sys.stderr)  # fmt: skip
    return 0
