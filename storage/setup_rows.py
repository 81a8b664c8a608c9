"""What the import reads back of the firm's set-up: one frozen row type per table, whose
fields name the columns ``storage.setup`` selects and may update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from storage.models import BillingType, RateKind, Role

WORKSPACE_ID = 1  # the one row of firm-wide settings


@dataclass(frozen=True)
class WorkspaceSetup:
    id: int
    name: str
    timezone: str
    currency: str
    billing_increment_minutes: int
    required_fields: list[str]
    min_description_length: int
    rounding: str
    minimum_billable_minutes: int
    locale: str
    catalog_version: int
    earliest_entry_date: date | None
    timer_limit_minutes: int
    country: str | None
    subdivision: str | None
    forgotten_timer_minutes: int
    missing_hours_tolerance_minutes: int
    invoice_number_format: str
    firm_address: str
    firm_tax_id: str
    firm_email: str
    firm_logo: str | None
    payment_terms_days: int
    tax_rate: Decimal | None
    tax_label: str
    invoice_notes: str
    payment_instructions: str
    invoice_paper: str
    credit_notes: bool
    credit_note_number_format: str


@dataclass(frozen=True)
class PersonSetup:
    id: int
    slack_id: str
    name: str
    role: Role
    timezone: str
    timezone_from_import: bool
    schedule: dict[str, int]
    rate: Decimal | None
    active: bool
    country: str | None
    subdivision: str | None
    timekeeper_class: str | None


@dataclass(frozen=True)
class ClientSetup:
    id: int
    name: str
    currency: str | None
    billing_channel: str | None
    rate: Decimal | None
    billing_increment_minutes: int | None
    rounding: str | None
    approver_id: int | None
    active: bool
    address: str
    tax_id: str
    email: str
    locale: str | None
    payment_terms_days: int | None
    tax_rate: Decimal | None
    tax_label: str | None
    discount_percent: Decimal | None
    invoice_notes: str | None
    ebilling: str | None
    ledes_client_id: str | None
    einvoice: str | None
    country: str | None
    tax_category: str | None
    tax_exemption_reason: str | None


@dataclass(frozen=True)
class ProjectSetup:
    id: int
    client_id: int
    code: str
    name: str
    billing_type: BillingType
    approver_id: int | None
    alert_channel: str | None
    budget_hours: Decimal | None
    budget_amount: Decimal | None
    rate: Decimal | None
    required_fields: list[str] | None
    fee: Decimal | None
    milestones: list[dict[str, str]] | None
    active: bool
    budget_period: str
    alert_thresholds: list[int] | None
    included_hours: Decimal | None
    client_matter_id: str | None


@dataclass(frozen=True)
class TaskSetup:
    id: int
    project_id: int
    name: str
    rate: Decimal | None
    budget_hours: Decimal | None
    budget_amount: Decimal | None
    billable: bool | None
    active: bool
    utbms: str | None


@dataclass(frozen=True)
class WorkTypeSetup:
    id: int
    name: str
    active: bool
    utbms: str | None


@dataclass(frozen=True)
class RateKey:
    """What makes a rate one rate: a second with the same key replaces it."""

    kind: RateKind
    level: str
    person_id: int | None
    client_id: int | None
    project_id: int | None
    task_id: int | None
    effective_from: date


@dataclass(frozen=True)
class RateSetup:
    id: int
    key: RateKey
    rate: Decimal
