"""Issuing for a person or the CLI: the client found by name, the period checked, the build
retried once when a racing run billed the same entries first (its rollback gave the number
back; the second look finds what is left)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime

from sqlalchemy import Connection

from bot.errors import Refused, UserError
from bot.services.invoices.build import GROUPINGS, Built, build
from storage import invoices as store
from storage import people
from storage.models import Role

MAX_DAYS = 400  # a period longer than a year and a bit is a typo


def may_invoice(conn: Connection, actor: str) -> None:
    """Invoices are issued, posted and changed by partners and admins only."""
    person = people.person(conn, actor)
    if person is None or person.role not in (Role.PARTNER, Role.ADMIN):
        raise Refused("invoices_for_partners")


def find_client(conn: Connection, name: str) -> int:
    """The client named so (any case), else the one client whose name begins so, else the
    one whose name holds it; more than one is named back, none lists the clients."""
    found = store.client_named(conn, name)
    if found is not None:
        return found.id
    wanted = " ".join(name.split()).lower()
    names = store.client_names(conn)
    for matches in (
        [n for n in names if n.lower().startswith(wanted)],
        [n for n in names if wanted in n.lower()],
    ):
        if len(matches) == 1:
            return find_client(conn, matches[0])
        if len(matches) > 1:
            raise UserError(f"{name!r} could be {', '.join(matches[:10])}; give more of the name.")
    known = ", ".join(names[:20]) or "none yet: import them first"
    raise UserError(f"No client is named {name!r}; clients: {known}.")


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
                return build(
                    conn,
                    client_id=client_id,
                    start=start,
                    end=end,
                    grouping=grouping,
                    draft=draft,
                    actor=actor,
                    now=now,
                )
        except store.AlreadyBilled:
            if attempt:
                raise
    return None
