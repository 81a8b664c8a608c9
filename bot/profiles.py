"""After the ack: reading a person's Slack profile (users.info, 429s retried) for someone
registered from a request, then recording it in a short transaction of its own."""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient

from bot.context import Deps
from bot.services import people
from bot.slack import profile_lookup

logger = logging.getLogger(__name__)

# People whose profile is being read now: a second request before the first lookup ends
# does not ask Slack again.
_reading: set[str] = set()
_lock = threading.Lock()


def refresh_person(deps: Deps, client: WebClient, user_id: str) -> None:
    """Never raises (it runs after the ack); the people-profiles sweep tries again later."""
    with _lock:
        if user_id in _reading:
            return
        _reading.add(user_id)
    try:
        profile = profile_lookup(client)(user_id)  # outside any transaction: it waits on Slack
        with deps.db.transaction() as conn:
            people.refresh_profile(conn, user_id, profile, now=deps.clock())
    except Exception:
        logger.exception("profile refresh failed for %s", user_id)
    finally:
        with _lock:
            _reading.discard(user_id)
