"""Invoices' statements: taking the next number of a series, and which invoice bills an entry.

The next number is a row per series and year, moved by one UPDATE ... RETURNING in the
issuing transaction: on PostgreSQL the row's lock makes a second issuer wait until the first
commits (or rolls back, giving the number back); on SQLite the write lock does. Numbers are
therefore unique and gapless; no count of existing invoices is ever taken."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError

from storage.models import InvoiceEntry, InvoiceSeries

_S = InvoiceSeries
_NEW_SERIES = {
    name: module.insert(InvoiceSeries)
    .values(series=bindparam("series"), year=bindparam("year"), next_number=1)
    .on_conflict_do_nothing(index_elements=[_S.series, _S.year])
    for name, module in (("sqlite", sqlite_dialect), ("postgresql", postgresql_dialect))
}
_TAKE = (
    update(_S)
    .where(_S.series == bindparam("s"), _S.year == bindparam("y"))
    .values(next_number=_S.next_number + 1)
    .returning(_S.next_number - 1)
)


def take_number(conn: Connection, series: str, year: int) -> int:
    """The series' next number in ``year`` (1, 2, 3, ...), taken in the caller's transaction."""
    conn.execute(_NEW_SERIES[conn.dialect.name], {"series": series, "year": year})
    return int(conn.execute(_TAKE, {"s": series, "y": year}).scalar_one())


class AlreadyBilled(Exception):
    """An entry is on another invoice already (the database refused the second link)."""


def link_entries(conn: Connection, invoice_id: int, entry_ids: Iterable[int]) -> None:
    """Record that the invoice bills these entries; an entry billed elsewhere refuses all."""
    rows = [{"entry_id": e, "invoice_id": invoice_id} for e in entry_ids]
    if not rows:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(InvoiceEntry), rows)
    except IntegrityError as err:
        raise AlreadyBilled(str(err.orig)) from None
