"""The append-only audit trail: every change to an entry, who made it and when."""

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
