"""The append-only audit trail: every change to an entry, who made it and when.

It is also the stream of entry changes later capabilities consume (budget alerts after each
entry): each record says which entry, person, project and task, and the seconds before and
after; consumers read it in order from a position they keep (``EventPosition``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class AuditRecord(Base):
    """Never updated or deleted: database triggers refuse both (see migration 0007)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entry", "entry_id", "id"), Index("ix_audit_log_at", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: the trail outlives a deleted entry.
    entry_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))  # a Slack user id, or "cli" / "system"
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    # The change as an event (NULL for records that are not about one entry, and for
    # records made before migration 0013).
    person_id: Mapped[int | None] = mapped_column(Integer)
    project_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[int | None] = mapped_column(Integer)
    seconds_before: Mapped[int | None] = mapped_column(Integer)
    seconds_after: Mapped[int | None] = mapped_column(Integer)
    # On PostgreSQL a column ``txid`` (the writing transaction's id, migration 0013) orders
    # records by commit for consumers; it is not mapped (SQLite commits one writer at a time).
