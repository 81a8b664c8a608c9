"""What invoices say, from the import: the ``firm:`` section (the firm's name, address, tax
id, e-mail, logo, payment terms, tax, notes, payment instructions, paper, credit notes) and
each client's billing fields (address, tax id, e-mail, locale, payment terms, tax and
discount overrides, notes). Validated into column values; applied with the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.services.importer.check import Checker, is_locale

# firm: key -> workspace column
FIRM_COLUMNS = {
    "name": "name", "address": "firm_address", "tax_id": "firm_tax_id", "email": "firm_email",
    "logo": "firm_logo", "notes": "invoice_notes", "payment_instructions": "payment_instructions",
    "paper": "invoice_paper", "payment_terms_days": "payment_terms_days", "tax_rate": "tax_rate",
    "tax_label": "tax_label", "credit_notes": "credit_notes",
    "credit_note_number_format": "credit_note_number_format",
}  # fmt: skip
FIRM_KEYS = set(FIRM_COLUMNS)
# a client's key -> its column
CLIENT_COLUMNS = {
    "address": "address", "tax_id": "tax_id", "email": "email", "locale": "locale",
    "payment_terms_days": "payment_terms_days", "tax_rate": "tax_rate", "tax_label": "tax_label",
    "discount_percent": "discount_percent", "invoice_notes": "invoice_notes",
}  # fmt: skip
CLIENT_KEYS = set(CLIENT_COLUMNS)
PAPERS = ("A4", "Letter")
LOGO_TYPES = (".png", ".jpg", ".jpeg", ".svg")
LONG_TEXT = 2000


def firm(raw: Any, check: Checker) -> dict[str, Any]:
    """The ``firm:`` section as workspace column values (only the keys given)."""
    f = check.mapping(raw, "firm", FIRM_KEYS, set())
    out: dict[str, Any] = {}
    for key in ("name", "tax_id", "email", "tax_label"):
        out[key] = check.text(f.get(key), "firm", key, limit={"tax_id": 64, "tax_label": 40}.get(key))
    for key in ("address", "notes", "payment_instructions"):
        value = check.text(f.get(key), "firm", key, limit=LONG_TEXT)
        out[key] = value
    logo = check.text(f.get("logo"), "firm", "logo", limit=500)
    if logo is not None and (not Path(logo).is_file() or Path(logo).suffix.lower() not in LOGO_TYPES):
        check.fail("firm", f"logo {logo!r} must be a PNG, JPEG or SVG file that exists")
        logo = None
    out["logo"] = logo
    paper = f.get("paper")
    if paper is not None and paper not in PAPERS:
        check.fail("firm", f"paper {paper!r} must be A4 or Letter")
        paper = None
    out["paper"] = paper
    out["payment_terms_days"] = _days(f.get("payment_terms_days"), "firm", check)
    out["tax_rate"] = _percent(f.get("tax_rate"), "firm", "tax_rate", check)
    out["credit_notes"] = check.flag(f.get("credit_notes"), "firm", "credit_notes")
    out["credit_note_number_format"] = check.number_format(
        f.get("credit_note_number_format"), "firm", "credit_note_number_format"
    )
    return {FIRM_COLUMNS[key]: value for key, value in out.items() if value is not None}


def client(c: dict[str, Any], where: str, check: Checker) -> dict[str, Any]:
    """A client's billing fields as column values (only the keys given)."""
    out: dict[str, Any] = {
        "address": check.text(c.get("address"), where, "address", limit=LONG_TEXT),
        "tax_id": check.text(c.get("tax_id"), where, "tax_id", limit=64),
        "email": check.text(c.get("email"), where, "email"),
        "tax_label": check.text(c.get("tax_label"), where, "tax_label", limit=40),
        "invoice_notes": check.text(c.get("invoice_notes"), where, "invoice_notes", limit=LONG_TEXT),
        "payment_terms_days": _days(c.get("payment_terms_days"), where, check),
        "tax_rate": _percent(c.get("tax_rate"), where, "tax_rate", check),
        "discount_percent": _percent(c.get("discount_percent"), where, "discount_percent", check),
    }
    locale = c.get("locale")
    if locale is not None and not is_locale(locale):
        check.fail(where, f"locale {locale!r} is not a locale such as en_US or de_DE")
        locale = None
    out["locale"] = locale
    return {CLIENT_COLUMNS[key]: value for key, value in out.items() if value is not None}


def _days(value: Any, where: str, check: Checker) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365):
        check.fail(where, f"payment_terms_days {value!r} must be a whole number of days 0..365, e.g. 30")
        return None
    return value


def _percent(value: Any, where: str, key: str, check: Checker) -> Any:
    amount = check.money(value, where, key, digits=7, places=4)
    if amount is not None and amount > 100:
        check.fail(where, f"{key} {value!r} is a percent: at most 100, e.g. 20 for 20 %")
        return None
    return amount
