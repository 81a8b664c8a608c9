"""Slack's signature, checked once at the HTTP front door, and replays that do not act twice.

A request is read only after it is known to be Slack's: its ``X-Slack-Signature`` is
``v0=`` and the HMAC-SHA256, keyed with the signing secret, of ``v0:{timestamp}:{body}``
(the raw bytes), and its timestamp is within five minutes of now
(https://api.slack.com/authentication/verifying-requests-from-slack). Anything else is a
401 before a byte of the body is parsed; a signed body that is not what Slack sends is a 400
(bot.shapes). Bolt's own check is off
(bot.app): this is the one place.

A signature is valid for five minutes, so the same request sent again within them is
Slack's too. ``replay_guard`` records the first sight of each signature in the database,
in the request's own unit of work (on SQLite, a savepoint in its group commit): a replay,
to this process or another, is answered with an empty 200 and does nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from storage import replays
from storage.db import Database

logger = logging.getLogger(__name__)

WINDOW = 300  # seconds a signature is valid either side of now, as Slack and Bolt allow
PRUNE_EVERY = 60.0  # seconds between deletions of signatures past the window, per process
SIGNATURE = "x-slack-signature"
TIMESTAMP = "x-slack-request-timestamp"


def is_signed(secret: bytes, body: bytes, headers: Mapping[str, str], *, now: float) -> bool:
    """Whether ``body`` with these headers (names lower-cased) was signed with ``secret``
    within the window. A timestamp that is not a plain number is simply not valid."""
    timestamp, signature = headers.get(TIMESTAMP, ""), headers.get(SIGNATURE, "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(now - int(timestamp)) > WINDOW:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = b"v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, signature.encode("latin-1", errors="replace"))


def replay_guard(db: Database, *, clock: Callable[[], float] = time.time) -> Callable[..., BoltResponse]:
    """A Bolt middleware: a signed request acts once. Requests without a signature (Socket
    Mode's, which Slack sends over its own connection) pass."""
    pruned = [0.0]

    def guard(req: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002 (Bolt's name)
        signature = _header(req.headers, SIGNATURE)
        timestamp = _header(req.headers, TIMESTAMP)
        if signature is None or timestamp is None or not timestamp.isdigit():
            return next()
        now = clock()
        with db.transaction() as conn:
            fresh = replays.first_sight(conn, signature, int(timestamp))
            if fresh and now - pruned[0] > PRUNE_EVERY:
                pruned[0] = now
                replays.forget_before(conn, int(now) - WINDOW)
        if not fresh:
            logger.info("a replayed request (signed at %s) was ignored", timestamp)
            return BoltResponse(status=200, body="")
        return next()

    return guard


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    values = headers.get(name)
    return str(values[0]) if values else None
