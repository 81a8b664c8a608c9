"""Freezing prices at approval: from then on an entry's price never moves (issue #4).

Approved and billed entries carry the billed seconds, rate, amount, cost rate and rule they
had when approved; later rate changes, back-dated or not, price drafts only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection

from bot.services.pricing import Pricer
from storage import prices
from storage.models import EntryStatus


def freeze(
    conn: Connection,
    entry_ids: Iterable[int] | None = None,
    *,
    submission_id: int | None = None,
    status: EntryStatus | None = None,
    now: datetime,
) -> int:
    """Store today's price on the entries (by id, of a submission, or both; with a
    submission, only those still submitted), with ``status`` if given (else kept) and
    ``now`` as their update time. Entries already frozen stay as they are. Returns how
    many were frozen: one read and one UPDATE (executemany on SQLite), whatever the number."""
    pricer = Pricer.load(conn)
    frozen = []
    for fact in prices.facts(conn, entry_ids, submission_id=submission_id):
        if fact.frozen_billed is not None:
            continue
        if submission_id is not None and fact.status != EntryStatus.SUBMITTED:
            continue
        p = pricer.price(fact)
        frozen.append(
            prices.FrozenPrice(fact.id, p.billed_seconds, p.rate, p.amount, p.cost_rate, p.rule[:200])
        )
    prices.write_frozen(conn, frozen, status=status.value if status else None, now=now)
    return len(frozen)
