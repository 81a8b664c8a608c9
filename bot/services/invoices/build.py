"""Building an invoice from approved time, in one transaction: collect the client's approved,
billable, unbilled entries of the period, priced by the one pricer (prices frozen at
approval), turn them into lines, take the next number (issued invoices only), and bill the
entries and fees. The database refuses a second invoice for any entry or fee
(``invoice_entries``, ``invoice_fees``); two runs racing bill each once, and the loser's
number is given back by its rollback, so the numbers stay gapless.

Lines: time by project -> task (``task``), project, person or entry (``detailed``), and by
rate within each, ``hours x rate = amount`` to the cent (the hours are the entries' billed
hours summed, priced once per line); fixed-fee projects bill their fee once or their due
milestones; retainers (``billing: retainer``) bill each month's fee, their included hours
without price and the overage at the hourly rates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.errors import Refused
from bot.services.entries import status
from bot.services.invoices import numbering
from bot.services.money import amount_minor, digits, from_minor, hundredths, money, rate_units
from bot.services.pricing import Pricer
from storage import invoices as store
from storage import prices
from storage.invoices import EntryLine, ProjectRow
from storage.models import BillingType, InvoiceStatus, LineKind

GROUPINGS = ("task", "project", "person", "detailed")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Built:
    invoice_id: int
    number: str | None  # None: a draft
    total: Decimal
    currency: str
    entries: int


@dataclass
class _Lines:
    lines: list[dict[str, object]]
    entries: list[int]
    fees: list[tuple[int, str]]
    hundredths: int = 0


def build(
    conn: Connection,
    *,
    client_id: int,
    start: date,
    end: date,
    grouping: str,
    draft: bool,
    actor: str,
    now: datetime,
    draft_id: int | None = None,
) -> Built | None:
    """The invoice (or draft) for the client's period; None when there is nothing to bill.
    ``draft_id``: the draft this issues (its row becomes the invoice)."""
    if grouping not in GROUPINGS:
        raise ValueError(f"grouping {grouping!r} is not one of {GROUPINGS}")
    firm = store.firm(conn)
    client = store.client(conn, client_id)
    if client is None:
        raise Refused("no_such_client")
    currency = client.currency or firm.currency
    collected = collect(conn, client_id, start, end, grouping, currency)
    if not collected.lines:
        return None
    subtotal = sum((Decimal(str(line["amount"])) for line in collected.lines), Decimal(0))
    discount_percent = client.discount_percent
    discount = money(subtotal * discount_percent / HUNDRED, currency) if discount_percent else Decimal(0)
    tax_rate = client.tax_rate if client.tax_rate is not None else firm.tax_rate
    tax = money((subtotal - discount) * tax_rate / HUNDRED, currency) if tax_rate else Decimal(0)
    total = subtotal - discount + tax
    today = now.astimezone(ZoneInfo(firm.timezone or "UTC")).date()
    terms = client.payment_terms_days if client.payment_terms_days is not None else firm.payment_terms_days
    values: dict[str, object] = {
        "series": "invoice", "client_id": client_id, "period_start": start, "period_end": end,
        "issue_date": today, "due_date": today + timedelta(days=terms), "currency": currency,
        "grouping": grouping, "hours": Decimal(collected.hundredths).scaleb(-2), "subtotal": subtotal,
        "discount_percent": discount_percent, "discount": discount, "tax_rate": tax_rate,
        "tax_label": client.tax_label or firm.tax_label, "tax": tax, "total": total,
        "locale": client.locale or firm.locale or "en_US", "created_by": actor,
        "status": InvoiceStatus.DRAFT if draft else InvoiceStatus.ISSUED, "updated_at": now,
    }  # fmt: skip
    number = None
    if not draft:
        seq, number = numbering.issue_number(conn, series="invoice", fmt=firm.number_format, issue_date=today)
        values.update(number=number, sequence=seq)
    if draft_id is None:
        invoice_id = store.insert_invoice(conn, {**values, "created_at": now})
    else:
        if not store.set_status(conn, draft_id, before=(InvoiceStatus.DRAFT,), values=values):
            raise Refused("invoice_not_draft")
        store.delete_lines(conn, draft_id)
        invoice_id = draft_id
    store.insert_lines(conn, invoice_id, collected.lines)
    if not draft:
        store.link_entries(conn, invoice_id, collected.entries)  # AlreadyBilled: a race lost
        store.link_fees(conn, invoice_id, collected.fees)
        status.bill(conn, collected.entries, invoice=str(number), actor=actor, now=now)
    return Built(invoice_id, number, total, currency, len(collected.entries))


def collect(conn: Connection, client_id: int, start: date, end: date, grouping: str, currency: str) -> _Lines:
    """The lines the client's period bills, the entries and fees they bill."""
    entries = store.unbilled(conn, client_id, start, end)
    priced = {line[0]: line for line in Pricer.load(conn).lines(prices.facts(conn, [e.id for e in entries]))}
    by_project: dict[int, list[EntryLine]] = defaultdict(list)
    for entry in entries:
        by_project[entry.project_id].append(entry)
    out = _Lines([], [e.id for e in entries], [])
    projects = store.projects(conn, client_id)
    billed = store.billed_items(conn, [p.id for p in projects])
    for project in projects:
        mine = by_project.get(project.id, [])
        if project.billing_type == BillingType.FIXED_FEE:
            _fees(out, project, end, billed)
            out.hundredths += sum(hundredths(priced[e.id][1] or 0) for e in mine)
        elif project.billing_type == BillingType.RETAINER:
            _retainer(conn, out, project, mine, priced, start, end, billed, currency)
        elif mine:
            _time(out, project, mine, priced, grouping, currency)
    return out


def _time(out: _Lines, project: ProjectRow, entries: list[EntryLine], priced: dict[int, tuple],
          grouping: str, currency: str) -> None:  # fmt: skip
    """Hourly time, grouped, and by rate within a group: each line's hours priced once."""
    groups: dict[tuple[str, Decimal], int] = {}
    unpriced = [e for e in entries if priced[e.id][2] is None]
    if unpriced:
        raise Refused("invoice_unpriced", project=project.name, count=len(unpriced))
    for entry in entries:
        label = {"task": entry.task, "project": "", "person": entry.person}.get(
            grouping, f"{entry.day.isoformat()} {entry.person}: {entry.description}".strip()
        )
        key = (label, priced[entry.id][2])
        groups[key] = groups.get(key, 0) + hundredths(priced[entry.id][1])
    for (label, rate), total in groups.items():
        amount = _priced(total, rate, currency)
        out.lines.append(_line(LineKind.TIME, project.name, label, total, rate, amount))
        out.hundredths += total


def _fees(out: _Lines, project: ProjectRow, end: date, billed: set[tuple[int, str]]) -> None:
    """A fixed fee: its milestones due by the period's end (one without a date is due at
    once), else the whole fee, each once."""
    if project.milestones:
        for milestone in project.milestones:
            due = milestone.get("due")
            item = f"milestone:{milestone['name']}"
            if (project.id, item) in billed or (due and date.fromisoformat(str(due)) > end):
                continue
            out.lines.append(_line(LineKind.MILESTONE, project.name, milestone["name"], None, None,
                                   Decimal(str(milestone["amount"]))))  # fmt: skip
            out.fees.append((project.id, item))
    elif project.fee is not None and (project.id, "fee") not in billed:
        out.lines.append(_line(LineKind.FEE, project.name, "", None, None, project.fee))
        out.fees.append((project.id, "fee"))


def _retainer(conn: Connection, out: _Lines, project: ProjectRow, entries: list[EntryLine],
              priced: dict[int, tuple], start: date, end: date, billed: set[tuple[int, str]],
              currency: str) -> None:  # fmt: skip
    """Each month's fee (months starting in the period, and months with time in it), the
    included hours without price (less what earlier invoices used of that month's), and the
    overage at the entries' hourly rates."""
    months = {(d.year, d.month) for d in _month_starts(start, end)} | {
        (e.day.year, e.day.month) for e in entries
    }
    included = int((project.included_hours or Decimal(0)) * 100)
    for year, month in sorted(months):
        key = f"{year:04d}-{month:02d}"
        if (project.id, f"retainer:{key}") not in billed and project.fee is not None:
            out.lines.append(_line(LineKind.RETAINER, project.name, key, None, None, project.fee))
            out.fees.append((project.id, f"retainer:{key}"))
        left = max(0, included - store.billed_hundredths(conn, project.id, year, month))
        inside, over = 0, defaultdict[Decimal, int](int)
        for entry in (e for e in entries if (e.day.year, e.day.month) == (year, month)):
            hours = hundredths(priced[entry.id][1] or 0)
            use = min(left, hours)
            left, inside = left - use, inside + use
            if hours - use:
                rate = priced[entry.id][2]
                if rate is None:
                    raise Refused("invoice_unpriced", project=project.name, count=1)
                over[rate] += hours - use
        if inside:
            out.lines.append(_line(LineKind.INCLUDED, project.name, key, inside, None, Decimal(0)))
            out.hundredths += inside
        for rate, total in over.items():
            amount = _priced(total, rate, currency)
            out.lines.append(_line(LineKind.OVERAGE, project.name, key, total, rate, amount))
            out.hundredths += total


def _month_starts(start: date, end: date) -> list[date]:
    first = date(start.year, start.month, 1)
    if first < start:
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    out = []
    while first <= end:
        out.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return out


def _line(kind: LineKind, project: str, description: str, hours: int | None, rate: Decimal | None,
          amount: Decimal) -> dict[str, object]:  # fmt: skip
    shown = None if hours is None else Decimal(hours).scaleb(-2)
    return {"kind": kind.value, "project": project, "description": description[:2000], "hours": shown,
            "rate": rate, "amount": amount}  # fmt: skip


def _priced(hours: int, rate: Decimal, currency: str) -> Decimal:
    """A line's hours (hundredths) times its rate, to the currency's minor unit."""
    return from_minor(amount_minor(hours, rate_units(rate), 10 ** digits(currency)), currency)
