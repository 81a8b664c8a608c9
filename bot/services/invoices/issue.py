"""Issuing for a person or the CLI: the client found by name, the period checked, the build
retried once when a racing run billed the same entries first (its rollback gave the number
back; the second look finds what is left)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime

from sqlalchemy import Connection

from bot.errors import UserError
from bot.services.invoices.build import GROUPINGS, Built, build
from storage import invoices as store

MAX_DAYS = 400  # a period longer than a year and a bit is a typo


def find_client(conn: Connection, name: str) -> int:
    found = store.client_named(conn, name)
    if found is None:
        known = ", ".join(store.client_names(conn)[:20]) or "none yet: import them first"
        raise UserError(f"no client named {name!r}; clients: {known}")
    return found.id


def check_period(start: date, end: date) -> None:
    if end < start:
        raise UserError(f"the period ends ({end}) before it starts ({start}); give --from before --to")
    if (end - start).days > MAX_DAYS:
        raise UserError(
            f"the period {start}..{end} is longer than {MAX_DAYS} days; invoice a month or a quarter"
        )


def issue(
    transaction: Callable[[], AbstractContextManager[Connection]],
    *,
    client: str,
    start: date,
    end: date,
    grouping: str = "task",
    draft: bool = False,
    actor: str,
    now: datetime,
) -> Built | None:
    """Build the client's invoice for the period in its own transaction; None: nothing to bill."""
    if grouping not in GROUPINGS:
        raise UserError(f"grouping {grouping!r} is not one of {', '.join(GROUPINGS)}")
    check_period(start, end)
    for attempt in range(2):
        try:
            with transaction() as conn:
                client_id = find_client(conn, client)
                return build(conn, client_id=client_id, start=start, end=end, grouping=grouping, draft=draft,
                             actor=actor, now=now)  # fmt: skip
        except store.AlreadyBilled:
            if attempt:
                raise
    return None
