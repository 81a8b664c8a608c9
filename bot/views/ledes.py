"""A LEDES 1998B file: ``LEDES1998B[]``, the 24 field names, then one line per line item,
fields separated by ``|`` and every line ending in ``[]``.

The field list and order are LEDES 1998B's (LEDES Oversight Committee, ledes.org; as the
e-billing vendors publish it, e.g. Mitratech Collaborati's "LEDES 1998B Format
Specifications"): INVOICE_DATE, INVOICE_NUMBER, CLIENT_ID, LAW_FIRM_MATTER_ID, INVOICE_TOTAL,
BILLING_START_DATE, BILLING_END_DATE, INVOICE_DESCRIPTION, LINE_ITEM_NUMBER,
EXP/FEE/INV_ADJ_TYPE, LINE_ITEM_NUMBER_OF_UNITS, LINE_ITEM_ADJUSTMENT_AMOUNT, LINE_ITEM_TOTAL,
LINE_ITEM_DATE, LINE_ITEM_TASK_CODE, LINE_ITEM_EXPENSE_CODE, LINE_ITEM_ACTIVITY_CODE,
TIMEKEEPER_ID, LINE_ITEM_DESCRIPTION, LAW_FIRM_ID, LINE_ITEM_UNIT_COST, TIMEKEEPER_NAME,
TIMEKEEPER_CLASSIFICATION, CLIENT_MATTER_ID. Dates are YYYYMMDD; the file is ASCII (accents
are dropped, other characters become ``?``), lines end in CR LF; no value holds a ``|``, a
square bracket (the ``[]`` that ends a line) or a line break: they become ``/``, ``(``, ``)``
and a space.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from bot.services.invoices.ledes import LedesInvoice
from bot.services.money import digits, plain_rate

FIELDS = (
    "INVOICE_DATE", "INVOICE_NUMBER", "CLIENT_ID", "LAW_FIRM_MATTER_ID", "INVOICE_TOTAL",
    "BILLING_START_DATE", "BILLING_END_DATE", "INVOICE_DESCRIPTION", "LINE_ITEM_NUMBER",
    "EXP/FEE/INV_ADJ_TYPE", "LINE_ITEM_NUMBER_OF_UNITS", "LINE_ITEM_ADJUSTMENT_AMOUNT", "LINE_ITEM_TOTAL",
    "LINE_ITEM_DATE", "LINE_ITEM_TASK_CODE", "LINE_ITEM_EXPENSE_CODE", "LINE_ITEM_ACTIVITY_CODE",
    "TIMEKEEPER_ID", "LINE_ITEM_DESCRIPTION", "LAW_FIRM_ID", "LINE_ITEM_UNIT_COST", "TIMEKEEPER_NAME",
    "TIMEKEEPER_CLASSIFICATION", "CLIENT_MATTER_ID",
)  # fmt: skip
FIRST_LINE = "LEDES1998B[]"
END = "[]"
NEWLINE = "\r\n"
DESCRIPTION_LIMIT = 15000  # LINE_ITEM_DESCRIPTION: 15 KB
NAME_LIMIT = 30  # TIMEKEEPER_NAME
_SPACES = re.compile(r"[\s\x00-\x1f\x7f]+")
_PLAIN = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "|": "/", "[": "(", "]": ")"}
)


def clean(value: object, limit: int | None = None) -> str:
    """A value as LEDES may hold it: ASCII, one line, no field or line separator."""
    text = unicodedata.normalize("NFKD", str(value).translate(_PLAIN))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.encode("ascii", "replace").decode("ascii")
    text = _SPACES.sub(" ", text).strip()
    return text[:limit] if limit else text


def _day(d: date) -> str:
    return d.strftime("%Y%m%d")


def _money(amount: Decimal, places: int) -> str:
    return f"{amount.quantize(Decimal(1).scaleb(-places)):f}"


def text(doc: LedesInvoice) -> str:
    """The whole file (several invoices may share one file; this writes one)."""
    places = digits(doc.currency)
    lines = [FIRST_LINE, "|".join(FIELDS) + END]
    head = [_day(doc.issue_date), clean(doc.number), clean(doc.client_id)]
    for n, item in enumerate(doc.items, start=1):
        values = [
            *head, clean(item.matter, 20), _money(doc.total, places), _day(doc.start), _day(doc.end),
            clean(doc.description, 2000), str(n), item.kind, f"{item.units:.2f}",
            _money(item.adjustment, places), _money(item.total, places), _day(item.day),
            clean(item.task_code), "", clean(item.activity_code), clean(item.timekeeper_id, 20),
            clean(item.description, DESCRIPTION_LIMIT), clean(doc.law_firm_id), plain_rate(item.unit_cost),
            clean(item.timekeeper_name, NAME_LIMIT), item.timekeeper_class, clean(item.client_matter, 20),
        ]  # fmt: skip
        lines.append("|".join(values) + END)
    return NEWLINE.join(lines) + NEWLINE


def file_bytes(doc: LedesInvoice) -> bytes:
    return text(doc).encode("ascii")
