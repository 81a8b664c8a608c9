"""E-billing and e-invoicing keys of the import, and what they need of the rest of the set-up.

- ``utbms:`` on a task (a UTBMS task code) and on a work type (an activity code), checked
  against ``bot.services.utbms``; ``timekeeper_class`` on a person (LEDES); a project's
  ``client_matter_id``.
- A client's ``ebilling: ledes`` (with ``ledes_client_id``), ``einvoice: factur-x``,
  ``country`` (ISO 3166-1 alpha-2), ``tax_category`` and ``tax_exemption_reason`` (EN 16931).
  ``none`` turns ``ebilling`` or ``einvoice`` off again.

:func:`check_clients` then holds every client that e-bills, in the file or already imported,
to what its files need (the firm's tax id and country, the client's country, a VAT category
that matches the tax it is charged, ...), with the file's values over the database's: a
Factur-X invoice that cannot be made must be refused here, not after its number is taken.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

from bot.services import utbms
from bot.services.importer.check import Checker
from bot.services.importer.plan import Plan
from bot.services.money import digits
from storage import setup

EBILLING = ("ledes",)
EINVOICE = ("factur-x",)
OFF = "none"
TIMEKEEPER_CLASSES = {"PT": "Partner", "AS": "Associate", "OC": "Of Counsel", "LA": "Legal Assistant",
                      "OT": "Other Timekeeper"}  # fmt: skip
# EN 16931 VAT categories (UNTDID 5305) a professional-service firm's invoice can carry.
TAX_CATEGORIES = {
    "S": "standard rate", "Z": "zero rated", "E": "exempt from VAT", "AE": "reverse charge",
    "G": "export outside the EU", "O": "not subject to VAT",
}  # fmt: skip
LEDES_ID_LENGTH = 20  # LEDES 1998B: CLIENT_ID, LAW_FIRM_ID, LAW_FIRM_MATTER_ID are 20 characters
# CLDR territories that are not ISO 3166-1 alpha-2 country codes.
_NOT_ISO = {"EU", "EZ", "QO", "UN", "XA", "XB", "XK", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (from Babel's CLDR territories, less its extra regions)."""
    from babel import Locale

    codes = (str(t) for t in Locale("en").territories)
    return frozenset(t for t in codes if len(t) == 2 and t.isalpha() and t not in _NOT_ISO)


def task(value: Any, where: str, check: Checker) -> str | None:
    return _code(value, where, check, utbms.task_problem)


def activity(value: Any, where: str, check: Checker) -> str | None:
    return _code(value, where, check, utbms.activity_problem)


def _code(value: Any, where: str, check: Checker, problem: Any) -> str | None:
    text = check.text(value, where, "utbms", limit=8)
    if text is None:
        return None
    said = problem(text)
    if said:
        check.fail(where, f"utbms {said}")
        return None
    return text.upper()


def timekeeper_class(value: Any, where: str, check: Checker) -> str | None:
    return _choice(value, where, check, "timekeeper_class", TIMEKEEPER_CLASSES)


def _choice(value: Any, where: str, check: Checker, key: str, allowed: dict[str, str]) -> str | None:
    if value is None:
        return None
    code = value.strip().upper() if isinstance(value, str) else None
    if code not in allowed:
        listed = ", ".join(f"{c} ({what})" for c, what in allowed.items())
        check.fail(where, f"{key} {value!r} must be one of {listed}")
        return None
    return code


def client(c: dict[str, Any], where: str, check: Checker) -> dict[str, Any]:
    """A client's e-billing columns (only the keys given; ``none`` is stored as "")."""
    out: dict[str, Any] = {}
    for key, allowed in (("ebilling", EBILLING), ("einvoice", EINVOICE)):
        value = c.get(key)
        if value is None:
            continue
        said = value.strip().lower() if isinstance(value, str) else None
        if said == OFF:
            out[key] = ""
        elif said in allowed:
            out[key] = said
        else:
            check.fail(where, f"{key} {value!r} must be {' or '.join(allowed)} (or none to turn it off)")
    country = c.get("country")
    if country is not None:
        code = country.strip().upper() if isinstance(country, str) else ""
        if code not in countries():
            hint = " (the United Kingdom is GB)" if code == "UK" else ""
            check.fail(where, f"country {country!r} is not an ISO 3166-1 alpha-2 country code such as "
                              f"FR, DE or US{hint}")  # fmt: skip
        else:
            out["country"] = code
    category = _choice(c.get("tax_category"), where, check, "tax_category", TAX_CATEGORIES)
    reason = check.text(c.get("tax_exemption_reason"), where, "tax_exemption_reason", limit=200)
    ledes_id = check.text(c.get("ledes_client_id"), where, "ledes_client_id", limit=LEDES_ID_LENGTH)
    given = {"tax_category": category, "tax_exemption_reason": reason, "ledes_client_id": ledes_id}
    return out | {key: value for key, value in given.items() if value is not None}


def check_clients(conn: Connection, plan: Plan, check: Checker) -> None:
    """Every client that e-bills (the file's values over the database's) has what its
    LEDES files or Factur-X invoices need."""
    existing = setup.clients(conn)
    stored = setup.workspace(conn)
    ws = plan.workspace
    firm = {
        "name": plan.firm.get("name") or (stored.name if stored else ""),
        "tax_id": plan.firm.get("firm_tax_id") or (stored.firm_tax_id if stored else ""),
        "tax_rate": plan.firm.get("tax_rate", stored.tax_rate if stored else None),
        "country": (ws.country if ws else None) or (stored.country if stored else None),
        "currency": (ws.currency if ws else None) or (stored.currency if stored else "USD"),
    }
    stored_codes: dict[int, list[str]] | None = None  # read once, only if a LEDES client needs it

    def codes_of(row: setup.ClientSetup | None) -> list[str]:
        nonlocal stored_codes
        if row is None:
            return []
        if stored_codes is None:
            stored_codes = {}
            for project in setup.projects(conn).values():
                stored_codes.setdefault(project.client_id, []).append(project.code)
        return stored_codes.get(row.id, [])

    seen: set[str] = set()
    for i, c in enumerate(plan.clients):
        row = existing.get(c.name.lower())
        merged = _merged(row, {**c.invoicing, "currency": c.currency})
        seen.add(c.name.lower())
        if merged["ebilling"] or merged["einvoice"]:
            codes = [p.code for p in c.projects] + (codes_of(row) if merged["ebilling"] else [])
            _check_one(f"clients[{i}] ({c.name})", merged, codes, firm, check)
    for key, row in existing.items():
        if key not in seen and (row.ebilling or row.einvoice):
            _check_one(f"client {row.name} (already imported)", _merged(row, {}), codes_of(row), firm, check)


def _merged(row: setup.ClientSetup | None, given: dict[str, Any]) -> dict[str, Any]:
    keys = ("ebilling", "einvoice", "country", "tax_category", "tax_exemption_reason", "ledes_client_id",
            "tax_rate", "tax_id", "currency")  # fmt: skip
    return {k: given[k] if given.get(k) is not None else getattr(row, k, None) for k in keys}


def _check_one(where: str, c: dict[str, Any], codes: list[str], firm: dict[str, Any], check: Checker) -> None:
    if c["ebilling"] == "ledes":
        if not c["ledes_client_id"]:
            check.fail(where, "ebilling: ledes needs ledes_client_id (the client's code in your books, "
                              "LEDES CLIENT_ID, at most 20 characters)")  # fmt: skip
        if not firm["tax_id"] or len(firm["tax_id"]) > LEDES_ID_LENGTH:
            check.fail(where, "ebilling: ledes needs the firm's tax_id (LEDES LAW_FIRM_ID, at most 20 "
                              "characters) in the firm: section")  # fmt: skip
        for code in sorted({c for c in codes if len(c) > LEDES_ID_LENGTH}):
            check.fail(where, f"project code {code!r} is over 20 characters, too long for LEDES "
                              "LAW_FIRM_MATTER_ID")  # fmt: skip
    if c["einvoice"] == "factur-x":
        _factur_x(where, c, firm, check)


def _factur_x(where: str, c: dict[str, Any], firm: dict[str, Any], check: Checker) -> None:
    """EN 16931's rules that the set-up decides (BR-6, BR-9, BR-11, BR-DEC, and per VAT
    category BR-S/Z/E/AE/G/O): the rest is decided by the invoice itself."""
    need = "einvoice: factur-x needs"
    if not c["country"]:
        check.fail(where, f"{need} the client's country (ISO code, e.g. country: FR)")
    if not firm["country"]:
        check.fail(where, f"{need} the firm's country: workspace: {{country: FR}}")
    if not firm["name"]:
        check.fail(where, f"{need} the firm's name: firm: {{name: ...}}")
    currency = c["currency"] or firm["currency"]
    if digits(currency) != 2:  # EN 16931 rounds amounts and VAT to 2 decimals (BR-DEC, BR-CO-17)
        check.fail(where, f"{need} a currency of 2 decimals (EN 16931 rounds to cents); {currency} has "
                          f"{digits(currency)}")  # fmt: skip
    rate = c["tax_rate"] if c["tax_rate"] is not None else firm["tax_rate"]
    taxed = rate is not None and Decimal(rate) > 0
    category = c["tax_category"] or ("S" if taxed else None)
    if taxed and category != "S":
        check.fail(where, f"tax_category {category} means no tax, but the client is charged {rate} %: "
                          "use S, or tax_rate: 0")  # fmt: skip
        return
    if not taxed and category in (None, "S"):
        check.fail(where, f"{need} tax_category for invoices without tax: AE (reverse charge), E (exempt), "
                          "Z (zero rated), G (export) or O (not subject to VAT)")  # fmt: skip
        return
    if not firm["tax_id"]:  # the seller's VAT number, or under O its registration (BR-CO-26)
        check.fail(where, f"{need} the firm's VAT number or registration (firm: tax_id)")
    if category in ("AE", "G") and firm["tax_id"] and not _vat_number(firm["tax_id"]):
        check.fail(where, f"tax_category {category} needs the firm's tax_id to be a VAT number with its "
                          "country prefix, such as FR12345678901")  # fmt: skip
    if category == "AE" and not c["tax_id"]:
        check.fail(where, f"{need} the client's VAT number (tax_id) for reverse charge (AE)")
    if category == "E" and not c["tax_exemption_reason"]:
        check.fail(where, f"{need} tax_exemption_reason (the legal ground) for tax_category E")


def _vat_number(tax_id: str) -> bool:
    """A VAT identifier with its country prefix (the same test ``bot.views.facturx`` applies)."""
    import re

    return bool(re.match(r"^(?:[A-Z]{2}|EL)[0-9A-Z+*.]{2,13}$", re.sub(r"[\s-]", "", tax_id).upper()))
