"""``/track clients``: per client, approved time not yet billed and its value, time awaiting
approval and the last invoice, for partners and admins; the clients with the most to bill
first, a page at a time (Slack shows 50 blocks to a message)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection

from bot.services.invoices.issue import may_invoice
from storage import client_overview as store
from storage import invoices, sharing
from storage.client_overview import LastInvoice

PAGE = 20


@dataclass(frozen=True)
class ClientLine:
    client_id: int
    name: str
    currency: str
    unbilled_hours: Decimal
    unbilled_value: Decimal
    unpriced: int  # approved entries with no rate: they would refuse an invoice
    awaiting_hours: Decimal
    last: LastInvoice | None
    links: int = 0  # share links not revoked


@dataclass(frozen=True)
class ClientsPage:
    lines: list[ClientLine]
    page: int
    pages: int
    clients: int
    locale: str
    unbilled_value: dict[str, Decimal]  # all clients', per currency


def _hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


def overview(conn: Connection, actor: str, *, page: int = 1) -> ClientsPage:
    may_invoice(conn, actor)
    firm = invoices.firm(conn)
    unbilled, awaiting, last = store.unbilled(conn), store.awaiting(conn), store.last_invoices(conn)
    links = sharing.live_counts(conn)
    lines = []
    for client in store.clients(conn):
        owed = unbilled.get(client.id, store.Unbilled(0, Decimal(0), 0, 0))
        lines.append(ClientLine(client.id, client.name, client.currency or firm.currency,
                                _hours(owed.seconds), owed.amount, owed.unpriced,
                                _hours(awaiting.get(client.id, 0)), last.get(client.id),
                                links.get(client.id, 0)))  # fmt: skip
    lines.sort(key=lambda line: (-line.unbilled_value, -line.unbilled_hours, -line.awaiting_hours, line.name))
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.unbilled_value
    pages = max(1, -(-len(lines) // PAGE))
    page = min(max(page, 1), pages)
    shown = lines[(page - 1) * PAGE : page * PAGE]
    return ClientsPage(shown, page, pages, len(lines), firm.locale or "en_US", totals)
