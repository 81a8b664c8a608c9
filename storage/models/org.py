"""The firm's set-up: workspace settings, people, clients, projects (matters), tasks, work types."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, Hours, Money, Timestamps, UTCDateTime, utcnow


def str_enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


class Role(StrEnum):
    MEMBER = "member"
    PARTNER = "partner"
    ADMIN = "admin"


class BillingType(StrEnum):
    HOURLY = "hourly"
    FIXED_FEE = "fixed_fee"
    NON_BILLABLE = "non_billable"
    RETAINER = "retainer"  # a fee per month, optional included hours, overage at the hourly rates


class Workspace(Timestamps, Base):
    """Firm-wide settings. There is one row (id 1)."""

    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    billing_increment_minutes: Mapped[int] = mapped_column(Integer, default=1)
    required_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Descriptions shorter than this are refused when an entry is made or edited by hand.
    min_description_length: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped whenever clients or projects change, so processes can cache the project list.
    catalog_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # How billable time is rounded per entry ("up", "nearest", "down"), and the least billed.
    rounding: Mapped[str] = mapped_column(String(10), default="up", server_default="up")
    minimum_billable_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Money is shown in this locale (Babel), e.g. en_US, de_DE.
    locale: Mapped[str] = mapped_column(String(16), default="en_US", server_default="en_US")
    # No entry may be dated before this day (None: two years before today).
    earliest_entry_date: Mapped[date | None] = mapped_column(Date)
    # A timer that ran longer than this (or past its owner's midnight) is not saved by a
    # plain stop: its owner says how long they worked.
    timer_limit_minutes: Mapped[int] = mapped_column(Integer, default=720, server_default="720")
    # Public holidays (the ``holidays`` package): an ISO country such as US or DE, and an
    # optional subdivision (a state, a canton); people may override both.
    country: Mapped[str | None] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(10))
    # A running timer past this gets one DM asking whether it is still running.
    forgotten_timer_minutes: Mapped[int] = mapped_column(Integer, default=600, server_default="600")
    # A working day short of its schedule by more than this is nudged the next morning.
    missing_hours_tolerance_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # Invoice numbers: {year}, {yy} and {seq} (bot.services.invoices.numbering).
    invoice_number_format: Mapped[str] = mapped_column(
        String(60), default="INV-{year}-{seq:04d}", server_default="INV-{year}-{seq:04d}"
    )
    # What invoices say about the firm (the import's ``firm:`` section), and their defaults.
    firm_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    firm_tax_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    firm_email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    firm_logo: Mapped[str | None] = mapped_column(String(500))  # a PNG, JPEG or SVG file's path
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    tax_rate: Mapped[Decimal | None] = mapped_column(Money())  # percent; None: no tax line
    tax_label: Mapped[str] = mapped_column(String(40), default="Tax", server_default="Tax")
    invoice_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    payment_instructions: Mapped[str] = mapped_column(Text, default="", server_default="")
    invoice_paper: Mapped[str] = mapped_column(String(10), default="A4", server_default="A4")
    # Voiding a sent invoice issues a credit note (its own series and format).
    credit_notes: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    credit_note_number_format: Mapped[str] = mapped_column(
        String(60), default="CN-{year}-{seq:04d}", server_default="CN-{year}-{seq:04d}"
    )


class Person(Timestamps, Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), default=Role.MEMBER)
    timezone: Mapped[str] = mapped_column(String(64))
    # True when the timezone came from the import: Slack's profile never overrides it.
    timezone_from_import: Mapped[bool] = mapped_column(Boolean, default=False)
    # Seconds of expected work per weekday, keys mon..sun; empty means no schedule.
    schedule: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    rate: Mapped[Decimal | None] = mapped_column(Money())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the name and timezone were last read from Slack (the import counts: its names
    # win). NULL: registered from a request, looked up after the ack (bot.services.people).
    profile_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    # Public holidays of this country and subdivision (None: the workspace's).
    country: Mapped[str | None] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(10))
    # Missing-hours nudges: on or off, and the local time of day they come (minutes, 09:30).
    # Server defaults only: registration is a compiled INSERT that names its columns.
    reminders: Mapped[bool] = mapped_column(Boolean, server_default=true())
    reminder_minutes: Mapped[int] = mapped_column(Integer, server_default="570")
    # LEDES timekeeper classification (PT, AS, OC, LA, OT; None: PT for partners, else OT).
    timekeeper_class: Mapped[str | None] = mapped_column(String(2))


class Client(Timestamps, Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    currency: Mapped[str | None] = mapped_column(String(3))
    billing_channel: Mapped[str | None] = mapped_column(String(32))
    rate: Mapped[Decimal | None] = mapped_column(Money())
    # Overrides of the workspace's billing increment and rounding (None: the workspace's).
    billing_increment_minutes: Mapped[int | None] = mapped_column(Integer)
    rounding: Mapped[str | None] = mapped_column(String(10))
    # Approves time on this client's projects that have no approver of their own (else partners).
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # What its invoices say and how they are priced (None: the workspace's).
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    tax_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    locale: Mapped[str | None] = mapped_column(String(16))
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    tax_rate: Mapped[Decimal | None] = mapped_column(Money())
    tax_label: Mapped[str | None] = mapped_column(String(40))
    discount_percent: Mapped[Decimal | None] = mapped_column(Money())
    invoice_notes: Mapped[str | None] = mapped_column(Text)
    # E-billing (bot.services.utbms, bot.services.invoices.ledes, bot.views.facturx): "ledes"
    # with its LEDES CLIENT_ID; "factur-x" e-invoices with the client's ISO country and the
    # EN 16931 VAT category of untaxed invoices (and why they carry no tax).
    ebilling: Mapped[str | None] = mapped_column(String(10))
    ledes_client_id: Mapped[str | None] = mapped_column(String(20))
    einvoice: Mapped[str | None] = mapped_column(String(10))
    country: Mapped[str | None] = mapped_column(String(2))
    tax_category: Mapped[str | None] = mapped_column(String(2))
    tax_exemption_reason: Mapped[str | None] = mapped_column(String(200))

    projects: Mapped[list[Project]] = relationship(back_populates="client", lazy="raise")


class Project(Timestamps, Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("client_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    billing_type: Mapped[BillingType] = mapped_column(
        str_enum(BillingType, "billing_type"), default=BillingType.HOURLY
    )
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    alert_channel: Mapped[str | None] = mapped_column(String(32))
    budget_hours: Mapped[Decimal | None] = mapped_column(Hours())
    budget_amount: Mapped[Decimal | None] = mapped_column(Money())
    rate: Mapped[Decimal | None] = mapped_column(Money())
    # Per-project override of the workspace's required-field policy (None: use the workspace's).
    required_fields: Mapped[list[str] | None] = mapped_column(JSON)
    # Fixed-fee projects: the fee, and optional milestones [{name, amount, due}] (amounts as text).
    fee: Mapped[Decimal | None] = mapped_column(Money())
    milestones: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    # Retainers: ``fee`` is the fee per month; these hours a month are included in it.
    included_hours: Mapped[Decimal | None] = mapped_column(Hours())
    notes: Mapped[str | None] = mapped_column(Text)
    # Budgets (the project's and its tasks') count all time ("total") or each month's.
    budget_period: Mapped[str] = mapped_column(String(10), default="total", server_default="total")
    # Percent of a budget at which the alert channel hears (None: 50, 80 and 100).
    alert_thresholds: Mapped[list[int] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The client's own id for the matter (LEDES CLIENT_MATTER_ID).
    client_matter_id: Mapped[str | None] = mapped_column(String(20))

    client: Mapped[Client] = relationship(back_populates="projects", lazy="raise")
    tasks: Mapped[list[Task]] = relationship(back_populates="project", lazy="raise")


class Task(Timestamps, Base):
    """A phase or service type within a project."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    rate: Mapped[Decimal | None] = mapped_column(Money())
    budget_hours: Mapped[Decimal | None] = mapped_column(Hours())
    budget_amount: Mapped[Decimal | None] = mapped_column(Money())
    billable: Mapped[bool | None] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    utbms: Mapped[str | None] = mapped_column(String(8))  # a UTBMS task code, e.g. L110

    project: Mapped[Project] = relationship(back_populates="tasks", lazy="raise")


class WorkType(Timestamps, Base):
    __tablename__ = "work_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    utbms: Mapped[str | None] = mapped_column(String(8))  # a UTBMS activity code, e.g. A103


class RateKind(StrEnum):
    BILL = "bill"
    COST = "cost"


class Rate(Timestamps, Base):
    """An effective-dated rate at one level (see bot.services.rate_book.RateLevel).

    The level says which of person, client, project and task are set; a rate applies from
    ``effective_from`` until a later rate of the same level and keys takes over.
    """

    __tablename__ = "rates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[RateKind] = mapped_column(str_enum(RateKind, "rate_kind"), default=RateKind.BILL)
    level: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    rate: Mapped[Decimal] = mapped_column(Money())
    effective_from: Mapped[date] = mapped_column(Date)
