"""What the bot sends on its own, queued with the change that causes it (the outbox)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime
from storage.models.org import str_enum


class OutboxStatus(StrEnum):
    PENDING = "pending"  # due at ``due_at``
    SENDING = "sending"  # claimed by a sender until ``lease_until``
    SENT = "sent"  # Slack accepted it: ``channel`` and ``ts`` say where it is
    FAILED = "failed"  # gave up after the attempts allowed; ``last_error`` says why
    SKIPPED = "skipped"  # nothing to send any more (e.g. a redraw of a message never sent)


class OutboxMessage(Base):
    """One message to Slack, written in the transaction of the change that causes it.

    ``key`` is unique: a retried request or a double click queues the message once. The
    sender claims due rows, sends, and records the outcome (bot.delivery).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "due_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # which renderer builds the Slack call
    user_id: Mapped[str | None] = mapped_column(String(32))  # a DM to this person, or
    channel: Mapped[str | None] = mapped_column(String(32))  # this channel (a DM's once opened)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last attempt may have reached Slack (a timeout, a 5xx, a crash mid-send): before
    # sending again the sender looks for the message by its metadata.
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str] = mapped_column(Text, default="")
    ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
