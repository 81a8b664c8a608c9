"""Signed requests already seen: a replay of one within its five minutes does not act twice."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class SeenRequest(Base):
    """The first sight of a signature (``v0=`` and its hex) is its row: the primary key lets
    one request through, whichever process it reaches. ``signed_at`` is the request's
    timestamp (Unix seconds); once it is older than Slack's window the signature is
    refused anyway, and the row can go."""

    __tablename__ = "seen_requests"
    __table_args__ = (Index("ix_seen_requests_signed_at", "signed_at"),)

    signature: Mapped[str] = mapped_column(String(80), primary_key=True)
    signed_at: Mapped[int] = mapped_column(BigInteger)
