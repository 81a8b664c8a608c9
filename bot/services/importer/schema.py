"""The import file's shape: the keys each section allows, the formats of ids and codes,
reading the YAML, and what the import reports (:class:`ImportSummary`) or refuses with
(:class:`ImportError_`)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.errors import UserError

TOP_KEYS = {"workspace", "firm", "people", "clients", "work_types", "rates", "time_off"}
WORKSPACE_KEYS = {
    "name", "timezone", "currency", "billing_increment_minutes", "required_fields", "min_description_length",
    "rounding", "minimum_billable_minutes", "locale", "earliest_entry_date",
    "timer_limit_hours", "country", "subdivision", "forgotten_timer_hours", "missing_hours_tolerance_hours",
    "invoice_number_format",
}  # fmt: skip
PERSON_KEYS = {
    "slack_id", "name", "role", "timezone", "rate", "schedule", "active", "country", "subdivision",
    "timekeeper_class",
}  # fmt: skip
CLIENT_KEYS = {
    "name", "currency", "billing_channel", "rate", "active", "projects",
    "billing_increment_minutes", "rounding", "approver",
    # what its invoices say (bot.services.importer.invoicing)
    "address", "tax_id", "email", "locale", "payment_terms_days", "tax_rate", "tax_label", "discount_percent",
    "invoice_notes",
    # e-billing and e-invoicing (bot.services.importer.ebilling)
    "ebilling", "ledes_client_id", "einvoice", "country", "tax_category", "tax_exemption_reason",
}  # fmt: skip
PROJECT_KEYS = {
    "name",
    "code",
    "billing",
    "approver",
    "alert_channel",
    "budget_hours",
    "budget_amount",
    "rate",
    "required_fields",
    "active",
    "tasks",
    "fee",
    "milestones",
    "budget_period",
    "alert_thresholds",
    "included_hours",
    "client_matter_id",
}
MILESTONE_KEYS = {"name", "amount", "due"}
TASK_KEYS = {"name", "rate", "budget_hours", "budget_amount", "billable", "active", "utbms"}
WORK_TYPE_KEYS = {"name", "active", "utbms"}
RATE_KEYS = {"person", "client", "project", "task", "rate", "from", "cost"}
TIME_OFF_KEYS = {"person", "date", "from", "to", "hours", "reason"}

ROUNDINGS = ("up", "nearest", "down")
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_ERRORS = 25  # shown; the rest are counted


class ImportError_(UserError):
    """The file was refused; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        shown = errors[:MAX_ERRORS]
        more = f"\n…and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        super().__init__("Nothing was imported:\n" + "\n".join(f"- {e}" for e in shown) + more)
        self.errors = errors


@dataclass
class ImportSummary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    def describe(self) -> str:
        kinds = ["workspace", "people", "clients", "projects", "tasks", "work_types", "rates", "time_off"]
        parts = [
            f"{k}: {self.created[k]} created, {self.updated[k]} updated"
            for k in kinds
            if self.created[k] or self.updated[k]
        ]
        if not parts:
            return "Nothing changed: the database already matches the file."
        return "Imported. " + "; ".join(parts) + "."


_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: 4x faster on a big firm


class _Loader(_Base):  # type: ignore[misc]
    """Safe YAML that refuses what PyYAML lets pass or crashes on: a key given twice in one
    mapping (PyYAML keeps the last silently) and a date that does not exist (2026-02-30,
    which PyYAML turns into a ValueError without a line)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[no-untyped-call]
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a real date", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark is fine), or UTF-16 with its byte-order
    mark (what Windows tools save); anything else is refused, not guessed at."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            return raw.decode(encoding)
    if b"\x00" in raw:
        raise ImportError_(["the file is not text (it holds NUL bytes): save it as UTF-8 YAML"])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ImportError_(
            [f"the file is not UTF-8 text (byte {err.start + 1} is not): save it as UTF-8"]
        ) from None


def load(text: str) -> dict[str, Any]:
    """The file's top-level mapping; a YAML error is reported with its line and column."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ImportError_([f"the file is not valid YAML{where}: {problem}"]) from None
    if data is None:
        raise ImportError_(["the file is empty"])
    if not isinstance(data, dict):
        raise ImportError_([f"the top level must be a mapping with keys {sorted(TOP_KEYS)}"])
    return data
