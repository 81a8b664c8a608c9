"""Links that show a client its hours: a random token, stored only as its hash."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class ShareLink(Base):
    """A client's share link (``/r/<token>``): for one project or all of the client's, with or
    without entry descriptions, until an optional last day, until revoked. ``token_hash`` is
    the SHA-256 of the token (the token itself is shown once, when the link is made);
    ``hint`` is its first characters, to tell links apart in lists."""

    __tablename__ = "share_links"
    __table_args__ = (Index("ix_share_links_client", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    descriptions: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_on: Mapped[date | None] = mapped_column(Date)  # the last day it opens (workspace timezone)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(32))
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
