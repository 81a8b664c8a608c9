"""What a valid file asks for, typed: validation builds it, :mod:`apply` writes it.

A value of None means the file did not give it: an existing row keeps what it has, a new
one takes the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bot.services.pricing import RateLevel
from storage.models import BillingType, RateKind, Role


@dataclass(frozen=True)
class WorkspacePlan:
    name: str | None
    timezone: str | None
    currency: str | None
    billing_increment_minutes: int | None
    required_fields: list[str] | None
    min_description_length: int | None
    rounding: str | None
    minimum_billable_minutes: int | None
    locale: str | None
    earliest_entry_date: date | None = None
    timer_limit_minutes: int | None = None
    country: str | None = None
    subdivision: str | None = None
    forgotten_timer_minutes: int | None = None
    missing_hours_tolerance_minutes: int | None = None
    invoice_number_format: str | None = None


@dataclass(frozen=True)
class PersonPlan:
    slack_id: str
    name: str
    role: Role
    timezone: str | None
    rate: Decimal | None
    schedule: dict[str, int] | None  # seconds per weekday
    active: bool | None
    country: str | None = None
    subdivision: str | None = None
    timekeeper_class: str | None = None  # LEDES: PT, AS, OC, LA, OT


@dataclass(frozen=True)
class TaskPlan:
    name: str
    rate: Decimal | None
    budget_hours: Decimal | None
    budget_amount: Decimal | None
    billable: bool | None
    active: bool | None
    utbms: str | None = None  # a UTBMS task code


@dataclass(frozen=True)
class ProjectPlan:
    code: str
    name: str
    billing_type: BillingType
    approver: str | None  # a Slack id
    alert_channel: str | None
    budget_hours: Decimal | None
    budget_amount: Decimal | None
    rate: Decimal | None
    required_fields: list[str] | None
    fee: Decimal | None
    milestones: list[dict[str, str]] | None  # [{name, amount, due}], amounts and dates as text
    active: bool | None
    tasks: list[TaskPlan]
    budget_period: str | None = None
    alert_thresholds: list[int] | None = None
    included_hours: Decimal | None = None  # a retainer's hours a month
    client_matter_id: str | None = None  # the client's own id for the matter (LEDES)


@dataclass(frozen=True)
class ClientPlan:
    name: str
    approver: str | None  # a Slack id: approves the projects that name no approver
    currency: str | None
    billing_channel: str | None
    rate: Decimal | None
    billing_increment_minutes: int | None
    rounding: str | None
    active: bool | None
    projects: list[ProjectPlan]
    invoicing: dict[str, Any] = field(default_factory=dict)  # its billing columns (importer.invoicing)


@dataclass(frozen=True)
class WorkTypePlan:
    name: str
    active: bool | None
    utbms: str | None = None  # a UTBMS activity code


@dataclass(frozen=True)
class RatePlan:
    kind: RateKind
    level: RateLevel
    person: str | None
    client: str | None
    project: str | None
    task: tuple[str, str] | None  # (project code, task name)
    rate: Decimal
    effective_from: date


@dataclass(frozen=True)
class TimeOffPlan:
    person: str  # a Slack id
    first: date
    last: date
    seconds: int | None  # None: whole days
    reason: str


@dataclass
class Plan:
    workspace: WorkspacePlan | None = None
    people: list[PersonPlan] = field(default_factory=list)
    clients: list[ClientPlan] = field(default_factory=list)
    work_types: list[WorkTypePlan] = field(default_factory=list)
    rates: list[RatePlan] = field(default_factory=list)
    time_off: list[TimeOffPlan] = field(default_factory=list)
    firm: dict[str, Any] = field(default_factory=dict)  # workspace columns (importer.invoicing)
