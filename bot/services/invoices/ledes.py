"""An issued invoice as LEDES 1998B lines (``bot.views.ledes`` writes the file).

LEDES 1998B (LEDES Oversight Committee, ledes.org; the field list as e-billing vendors
publish it, e.g. Mitratech Collaborati's "LEDES 1998B Format Specifications"): one line per
line item; LINE_ITEM_TOTAL = LINE_ITEM_NUMBER_OF_UNITS x LINE_ITEM_UNIT_COST +
LINE_ITEM_ADJUSTMENT_AMOUNT, and INVOICE_TOTAL is the sum of the invoice's LINE_ITEM_TOTALs.
Line types: ``F`` fee, ``E`` expense, ``IF`` / ``IE`` invoice-level fee / expense adjustments.

What the invoice's lines become:

- hourly time: one ``F`` line per billed entry, units its billed hours, unit cost its frozen
  rate, with the task's and work type's UTBMS codes and the person as timekeeper. An invoice
  line prices its summed hours once, so per entry the cents can differ by rounding: the
  last entry of each matter and rate carries the difference as its adjustment amount, and
  the file adds up to the invoice to the cent;
- a fixed fee, a milestone, a retainer month: one ``F`` line, units 1, unit cost the amount;
- a retainer's included hours and hours beyond them: one ``F`` line per month and rate, units
  the hours, unit cost the rate (0 for the included hours), no timekeeper;
- the discount: one ``IF`` line, units 0, unit cost 0, adjustment and total minus the discount.

Tax: LEDES 1998B has no tax field. INVOICE_TOTAL is the invoice's total before tax
(subtotal - discount); tax printed on the PDF is not in the file (clients that e-bill tax
use LEDES 1998BI, not written here).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection

from bot.errors import UserError
from bot.services.money import amount_minor, digits, from_minor, hundredths, rate_units
from storage import ebilling
from storage import invoices as store

MAX_ID = 20  # INVOICE_NUMBER, CLIENT_ID, LAW_FIRM_ID, LAW_FIRM_MATTER_ID, TIMEKEEPER_ID
KINDS = {
    "fee": "Fixed fee",
    "milestone": "Milestone",
    "retainer": "Retainer",
    "included": "Hours included in the retainer",
    "overage": "Hours beyond the retainer",
}


@dataclass(frozen=True)
class Item:
    """One line item, in LEDES terms."""

    kind: str  # F, IF
    units: Decimal
    adjustment: Decimal
    total: Decimal
    day: date
    task_code: str
    activity_code: str
    timekeeper_id: str
    description: str
    unit_cost: Decimal
    timekeeper_name: str
    timekeeper_class: str
    matter: str  # LAW_FIRM_MATTER_ID: the project's code
    client_matter: str  # CLIENT_MATTER_ID


@dataclass(frozen=True)
class LedesInvoice:
    number: str
    issue_date: date
    client_id: str
    law_firm_id: str
    total: Decimal  # before tax: the sum of the items' totals
    tax: Decimal  # on the invoice, not in the file
    currency: str
    start: date
    end: date
    description: str
    items: tuple[Item, ...]


def invoice(conn: Connection, invoice_id: int) -> LedesInvoice:
    """The issued invoice's LEDES lines; refused (one line) when it cannot be e-billed."""
    found = store.invoice(conn, invoice_id)
    if found is None or not found.number:
        raise UserError("a draft has no number, and an e-billing system needs one: issue it first")
    if found.series != "invoice":
        raise UserError(f"{found.number} is a credit note; LEDES 1998B files are written for invoices")
    client = store.client(conn, found.client_id)
    firm = store.firm(conn)
    assert client is not None  # a foreign key
    if client.ebilling != "ledes":
        raise UserError(
            f"{client.name} is not e-billed: add ebilling: ledes (and ledes_client_id) to the client "
            "in the import to write LEDES files for it"
        )
    for what, value in (
        ("the invoice number", found.number),
        ("the firm's tax_id", firm.tax_id),
        ("the client's ledes_client_id", client.ledes_client_id or ""),
    ):
        if not value or len(value) > MAX_ID:
            raise UserError(f"{what} ({value or 'none'}) must be 1 to {MAX_ID} characters for LEDES")
    matters = ebilling.matters(conn, found.client_id)
    items = _items(
        store.lines(conn, invoice_id),
        ebilling.billed_entries(conn, invoice_id),
        matters,
        found.currency,
        found.period_end,
    )
    if found.discount:
        items.append(
            _item("IF", Decimal(0), -found.discount, found.period_end, "Discount", Decimal(0), "", "")
        )
    total = found.subtotal - found.discount
    if sum((i.total for i in items), Decimal(0)) != total:  # pragma: no cover - a broken invoice
        raise RuntimeError(f"the LEDES lines of {found.number} do not add up to its total {total}")
    return LedesInvoice(
        number=found.number,
        issue_date=found.issue_date or found.period_end,
        client_id=client.ledes_client_id or "",
        law_firm_id=firm.tax_id,
        total=total,
        tax=found.tax,
        currency=found.currency,
        start=found.period_start,
        end=found.period_end,
        description=f"Professional services, {found.period_start} to {found.period_end}",
        items=tuple(items),
    )


def _items(
    lines: list[store.LineRow],
    entries: list[ebilling.BilledEntry],
    matters: dict[str, ebilling.Matter],
    currency: str,
    end: date,
) -> list[Item]:
    """The lines' items, in the invoice's line order; each hourly matter's entries at the
    place of its first time line."""
    owed: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)  # (project, rate) -> lines' amount
    hours: dict[tuple[str, Decimal], int] = defaultdict(int)
    for line in lines:
        if line.kind == "time" and line.rate is not None and line.hours is not None:
            owed[(line.project, line.rate)] += line.amount
            hours[(line.project, line.rate)] += int(line.hours * 100)
    out: list[Item] = []
    written: set[str] = set()
    for line in lines:
        matter = matters.get(line.project) or ebilling.Matter(line.project, line.project, "")
        if line.kind == "time":
            if line.project not in written:
                written.add(line.project)
                mine = [e for e in entries if e.project == line.project]
                out += _time(mine, owed, hours, matter, currency)
            continue
        what = {
            "fee": "Fixed fee",
            "milestone": "Milestone",
            "retainer": "Retainer",
            "included": "Hours included in the retainer",
            "overage": "Hours beyond the retainer",
        }
        said = (
            f"{what.get(line.kind, line.kind)}: {line.description}" if line.description else what[line.kind]
        )
        if line.kind in ("included", "overage"):
            units, cost = line.hours or Decimal(0), line.rate or Decimal(0)
            adjustment = line.amount - _priced(int(units * 100), cost, currency)
            out.append(
                _item(
                    "F",
                    units,
                    adjustment,
                    end,
                    said,
                    cost,
                    matter.code,
                    matter.client_matter_id,
                    total=line.amount,
                )
            )
        else:
            out.append(
                _item(
                    "F",
                    Decimal(1),
                    Decimal(0),
                    end,
                    said,
                    line.amount,
                    matter.code,
                    matter.client_matter_id,
                    total=line.amount,
                )
            )
    return out


def _time(
    entries: list[ebilling.BilledEntry],
    owed: dict[tuple[str, Decimal], Decimal],
    hours: dict[tuple[str, Decimal], int],
    matter: ebilling.Matter,
    currency: str,
) -> list[Item]:
    """One item per entry; the last of each rate carries its rounding difference."""
    last = {(e.project, e.rate): e.id for e in entries}
    seen: dict[tuple[str, Decimal], tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    out = []
    for e in entries:
        rate = e.rate if e.rate is not None else Decimal(0)
        key = (e.project, rate)
        units = hundredths(e.billed_seconds)
        amount = _priced(units, rate, currency)
        count, summed = seen[key]
        seen[key] = (count + units, summed + amount)
        adjustment = Decimal(0)
        if last[(e.project, e.rate)] == e.id:
            if seen[key][0] != hours.get(key, 0):
                raise RuntimeError(f"the entries of {e.project} at {rate} do not make up its invoice lines")
            adjustment = owed[key] - seen[key][1]
        klass = e.timekeeper_class or ("PT" if e.role == "partner" else "OT")
        out.append(
            Item(
                "F",
                Decimal(units).scaleb(-2),
                adjustment,
                amount + adjustment,
                e.day,
                e.task_code,
                e.activity_code,
                e.slack_id,
                e.description,
                rate,
                _last_first(e.person),
                klass,
                matter.code,
                matter.client_matter_id,
            )
        )
    return out


def _item(
    kind: str,
    units: Decimal,
    adjustment: Decimal,
    day: date,
    description: str,
    cost: Decimal,
    matter: str,
    client_matter: str,
    *,
    total: Decimal | None = None,
) -> Item:
    return Item(
        kind,
        units,
        adjustment,
        adjustment if total is None else total,
        day,
        "",
        "",
        "",
        description,
        cost,
        "",
        "",
        matter,
        client_matter,
    )


def _priced(units: int, rate: Decimal, currency: str) -> Decimal:
    return from_minor(amount_minor(units, rate_units(rate), 10 ** digits(currency)), currency)


def _last_first(name: str) -> str:
    """LEDES names a timekeeper "Last, First": "Ada Lovelace" -> "Lovelace, Ada"; a name with
    a comma, or of one word, stays as it is."""
    parts = name.split()
    if "," in name or len(parts) < 2:
        return name.strip()
    return f"{parts[-1]}, {' '.join(parts[:-1])}"
