"""Checks of single values. Each records what is wrong, with the entry and key, and returns
the value to use (None when it is missing or wrong), so one pass finds every problem."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from bot.services.clock import is_timezone
from bot.services.entries.rules import REQUIRABLE as FIELDS
from bot.services.importer.schema import CURRENCY, ROUNDINGS, SLACK_CHANNEL_ID
from bot.services.pricing import is_currency

# What the columns hold (storage/models), for keys whose column is not 200 characters.
TEXT_LIMITS = {"code": 64, "slack_id": 32, "person": 32, "approver": 32, "project": 64, "task": 265}


class Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def mapping(
        self, value: Any, where: str, allowed: set[str], required: set[str], name_key: str | None = None
    ) -> dict[str, Any]:
        """The entry's keys checked; ``name_key``'s value names the entry in what is reported."""
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping with keys {sorted(required)}, got {kind(value)}")
            return {}
        if (
            name_key
            and isinstance(value.get(name_key), (str, int))
            and not isinstance(value.get(name_key), bool)
        ):
            where = f"{where} ({value[name_key]})"
        for key in value:
            if key not in allowed:
                self.fail(where, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        for key in sorted(required):
            if value.get(key) in (None, ""):
                self.fail(where, f"missing required key {key!r}")
        return value

    def seq(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, f"expected a list, got {kind(value)}")
            return []
        return value

    def text(
        self, value: Any, where: str, key: str, *, required: bool = False, limit: int | None = None
    ) -> str | None:
        """Text the column holds: at most ``limit`` characters (by key: a code 64, a Slack
        id 32, else 200), no NUL (PostgreSQL refuses it)."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.fail(where, f"{key} must be text, got {kind(value)}")
            return None
        text = str(value).strip()
        if required and not text:
            self.fail(where, f"{key} must not be empty")
        longest = limit or TEXT_LIMITS.get(key, 200)
        if len(text) > longest:
            self.fail(where, f"{key} is {len(text):,} characters; at most {longest} fit")
            return None
        if "\x00" in text:
            self.fail(where, f"{key} holds a NUL character")
            return None
        return text or None

    def name(self, value: Any, where: str, key: str, *, limit: int | None = None) -> str | None:
        """A required key's text. Missing or empty, :meth:`mapping` has said so; only blanks
        are left to report (they once reached the database, and failed there)."""
        return self.text(value, where, key, required=isinstance(value, str) and value != "", limit=limit)

    def money(self, value: Any, where: str, key: str, *, digits: int = 14, places: int = 4) -> Decimal | None:
        """A number the column holds exactly: at most ``places`` decimals and ``digits``
        digits in all (Money is 14 and 4: below 10,000,000,000; Hours 10 and 2), the same
        on SQLite, which would store anything, and PostgreSQL, which would refuse it."""
        if value is None:
            return None
        if isinstance(value, bool):
            self.fail(where, f"{key} must be a number, got {value!r}")
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.fail(where, f"{key} must be a number, got {value!r}")
            return None
        if not amount.is_finite():
            self.fail(where, f"{key} must be a finite number, got {value!r}")
            return None
        if amount < 0:
            self.fail(where, f"{key} must be zero or more, got {value!r}")
            return None
        if amount.as_tuple().exponent < -places:  # type: ignore[operator]
            self.fail(where, f"{key} has more than {places} decimals: {value!r}")
            return None
        limit = Decimal(10) ** (digits - places)
        if amount >= limit:
            self.fail(where, f"{key} must be less than {limit:,}, got {value!r}")
            return None
        return amount

    def hours(self, value: Any, where: str, key: str) -> Decimal | None:
        return self.money(value, where, key, digits=10, places=2)

    def increment(self, value: Any, where: str) -> int | None:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value <= 0 or 60 % value
        ):
            self.fail(where, f"billing_increment_minutes {value!r} must divide 60 (1, 6, 15, …)")
            return None
        return value

    def rounding(self, value: Any, where: str) -> str | None:
        if value is not None and value not in ROUNDINGS:
            self.fail(where, f"rounding {value!r} must be one of up, nearest, down")
            return None
        return value

    def number_format(self, value: Any, where: str, key: str) -> str | None:
        """An invoice or credit-note number format (``bot.services.invoices.numbering``)."""
        from bot.errors import UserError
        from bot.services.invoices.numbering import check_format

        fmt = self.text(value, where, key, limit=60)
        if fmt is None:
            return None
        try:
            return check_format(fmt)
        except UserError as err:
            said = (
                err.message
                if key == "invoice_number_format"
                else err.message.replace("invoice number format", key)
            )
            self.fail(where, said)
            return None

    def flag(self, value: Any, where: str, key: str) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(where, f"{key} must be true or false, got {value!r}")
            return None
        return value

    def timezone(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not is_timezone(value):
            self.fail(where, f"timezone {value!r} is not an IANA timezone such as Europe/Berlin")
            return None
        return value

    def currency(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not CURRENCY.match(value) or not is_currency(value):
            self.fail(where, f"currency {value!r} must be a 3-letter ISO 4217 code such as USD")
            return None
        return value

    def channel(self, value: Any, where: str, key: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not SLACK_CHANNEL_ID.match(value):
            self.fail(where, f"{key} {value!r} must be a Slack channel id such as C0123ABCD")
            return None
        return value

    def fields(self, value: Any, where: str, key: str) -> list[str] | None:
        if value is None:
            return None
        items = self.seq(value, f"{where} {key}")
        for item in items:
            if item not in FIELDS:
                self.fail(where, f"{key} entry {item!r} is not one of {', '.join(FIELDS)}")
        return [str(i) for i in items]

    def region(self, country: Any, subdivision: Any, where: str) -> tuple[str | None, str | None]:
        """A country the ``holidays`` package knows (an ISO code such as US or DE) and, if
        given, one of its subdivisions (a state, a canton: CA, BY)."""
        from holidays import list_supported_countries

        if country is None and subdivision is None:
            return None, None
        known = list_supported_countries()
        if not isinstance(country, str) or country.upper() not in known:
            if country is None:
                self.fail(where, "subdivision needs a country (e.g. country: DE, subdivision: BY)")
            else:
                self.fail(where, f"country {country!r} is not a country code with public holidays, "
                                 "such as US, GB, DE or FR")  # fmt: skip
            return None, None
        code = country.upper()
        if subdivision is None:
            return code, None
        subdivisions = {s.upper(): s for s in known[code]}
        if not isinstance(subdivision, str) or subdivision.upper() not in subdivisions:
            some = ", ".join(known[code][:8]) or "none"
            self.fail(where, f"subdivision {subdivision!r} is not one of {code}'s ({some}…)")
            return code, None
        return code, subdivisions[subdivision.upper()]


def kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "a mapping", list: "a list", str: "text"}
    return kinds.get(type(value), repr(value))


def is_locale(value: Any) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return isinstance(value, str)
