"""Typed SQLAlchemy 2 models, one module per aggregate."""

from storage.models.audit import AuditRecord
from storage.models.base import Base, UTCDateTime
from storage.models.invoices import (
    Invoice,
    InvoiceDocument,
    InvoiceEntry,
    InvoiceFee,
    InvoiceLine,
    InvoiceRun,
    InvoiceSeries,
    InvoiceStatus,
    LineKind,
    RunState,
)
from storage.models.jobs import EventPosition, JobRun
from storage.models.nudges import BudgetMark, TimeOff
from storage.models.org import (
    BillingType,
    Client,
    Person,
    Project,
    Rate,
    RateKind,
    Role,
    Task,
    Workspace,
    WorkType,
)
from storage.models.outbox import OutboxMessage, OutboxStatus
from storage.models.replays import SeenRequest
from storage.models.sharing import ShareLink
from storage.models.time import (
    ClosedPeriod,
    EntryDecision,
    EntrySource,
    EntryStatus,
    RunningTimer,
    Submission,
    SubmissionStatus,
    TimeEntry,
)

__all__ = [
    "ClosedPeriod",
    "AuditRecord",
    "Base",
    "BillingType",
    "BudgetMark",
    "Client",
    "EntryDecision",
    "EntrySource",
    "EntryStatus",
    "EventPosition",
    "Invoice",
    "InvoiceDocument",
    "InvoiceEntry",
    "InvoiceFee",
    "InvoiceLine",
    "InvoiceRun",
    "LineKind",
    "RunState",
    "InvoiceSeries",
    "InvoiceStatus",
    "JobRun",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "Project",
    "Rate",
    "RateKind",
    "Role",
    "RunningTimer",
    "SeenRequest",
    "ShareLink",
    "Submission",
    "SubmissionStatus",
    "Task",
    "TimeEntry",
    "TimeOff",
    "UTCDateTime",
    "WorkType",
    "Workspace",
]
