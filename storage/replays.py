"""Signed requests already seen (bot.signing): the database, not a process's memory, says
whether a signature has been seen, so a replay to another process is caught too."""

from __future__ import annotations

from sqlalchemy import Connection, delete

from storage.fast import insert_new
from storage.models import SeenRequest

_FIRST = insert_new(SeenRequest, ("signature", "signed_at"), (SeenRequest.signature,), SeenRequest.signature)


def first_sight(conn: Connection, signature: str, signed_at: int) -> bool:
    """Record the signature; False when it was recorded before (on PostgreSQL this waits for
    a transaction that recorded it and has not ended: if that rolls back, it is ours)."""
    return (
        _FIRST[conn.dialect.name].scalar(conn, {"signature": signature, "signed_at": signed_at}) is not None
    )


def forget_before(conn: Connection, signed_before: int) -> int:
    """Delete what was signed before ``signed_before`` (Unix seconds); how many went."""
    return conn.execute(delete(SeenRequest).where(SeenRequest.signed_at < signed_before)).rowcount
