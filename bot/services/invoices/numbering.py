"""Invoice numbers: a per-workspace series with a format such as ``INV-{year}-{seq:04d}``,
assigned when an invoice is issued (a draft has none), unique and gapless also when two
runs race (``storage.invoices.take_number``: a row lock, never a count of invoices)."""

from __future__ import annotations

import string
from datetime import date

from sqlalchemy import Connection

from bot.errors import UserError
from storage import invoices as store

DEFAULT_FORMAT = "INV-{year}-{seq:04d}"
CREDIT_NOTE_FORMAT = "CN-{year}-{seq:04d}"
FIELDS = ("year", "yy", "seq")  # what a format may use
MAX_LENGTH = 40  # the column


def check_format(fmt: str) -> str:
    """The format, or a UserError saying what is wrong with it and the right form."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
    except ValueError as err:
        raise UserError(
            f"invoice number format {fmt!r} is not a format ({err}); e.g. {DEFAULT_FORMAT}"
        ) from None
    unknown = names - set(FIELDS)
    if unknown:
        raise UserError(f"invoice number format {fmt!r} uses {', '.join(sorted(unknown))}; it may use "
                        f"{{year}}, {{yy}} and {{seq}}, e.g. {DEFAULT_FORMAT}")  # fmt: skip
    if "seq" not in names:
        raise UserError(
            f"invoice number format {fmt!r} needs {{seq}}, the running number, e.g. {DEFAULT_FORMAT}"
        )
    try:
        sample = render(fmt, 2026, 9999)
    except (ValueError, TypeError) as err:
        raise UserError(
            f"invoice number format {fmt!r} does not render ({err}); e.g. {DEFAULT_FORMAT}"
        ) from None
    if len(sample) > MAX_LENGTH:
        raise UserError(f"invoice number format {fmt!r} makes numbers longer than {MAX_LENGTH} characters")
    return fmt


def render(fmt: str, year: int, seq: int) -> str:
    return fmt.format(year=year, yy=f"{year % 100:02d}", seq=seq)


def issue_number(conn: Connection, *, series: str, fmt: str, issue_date: date) -> tuple[int, str]:
    """The next number of ``series`` in the issue date's year, and its text; taken in the
    caller's (issuing) transaction, so a rollback gives it back."""
    seq = store.take_number(conn, series, issue_date.year)
    return seq, render(fmt, issue_date.year, seq)
