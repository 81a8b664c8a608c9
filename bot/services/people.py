"""Who is asking: people from the import, or registered on first use.

Someone not in the import is registered from the request itself (its user name, the
workspace's timezone), so no request waits on Slack; their Slack profile (real name,
timezone) is read after the ack (:func:`refresh_profile`), and by the people-profiles job
for anyone a restart left without one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.services.clock import is_timezone
from storage import people
from storage.people import PersonRow


@dataclass(frozen=True)
class SlackProfile:
    name: str
    timezone: str | None


ProfileLookup = Callable[[str], SlackProfile | None]


def get_or_register(
    conn: Connection, slack_id: str, *, now: datetime, name_hint: str | None = None, for_update: bool = False
) -> PersonRow:
    """The person with this Slack id; someone not yet known becomes a member, named from
    the request (``name_hint``: its user name) until their profile is read.
    ``for_update`` locks the person's row: their timer changes one request at a time."""
    found = people.person(conn, slack_id, for_update=for_update)
    if found is not None:
        return found
    registered = people.register(
        conn, slack_id=slack_id, name=(name_hint or "").strip() or slack_id,
        timezone=people.workspace(conn).timezone, now=now,
    )  # fmt: skip
    if for_update:
        locked = people.person(conn, slack_id, for_update=True)
        assert locked is not None
        return locked
    return registered


def needs_profile(person: PersonRow) -> bool:
    """Registered from a request: their Slack profile has not been read yet."""
    return person.profile_synced_at is None


def refresh_profile(conn: Connection, slack_id: str, profile: SlackProfile | None, *, now: datetime) -> bool:
    """Record what Slack says of the person (a timezone from the import always wins); True
    when it said something. Call with the profile already fetched: never wait on Slack
    inside a transaction."""
    if profile is None:
        return False
    timezone = profile.timezone if profile.timezone and is_timezone(profile.timezone) else None
    people.set_profile(conn, slack_id, name=profile.name or None, timezone=timezone, now=now)
    return True


def unsynced(conn: Connection, *, limit: int = 100, before: datetime | None = None) -> list[str]:
    """Slack ids of people whose profile is still to be read (registered before ``before``)."""
    return people.unsynced(conn, limit=limit, before=before)


@dataclass(frozen=True)
class ReminderSettings:
    on: bool
    minutes: int  # local time of day
    timezone: str
    changed: bool


def set_reminders(
    conn: Connection, person: PersonRow, *, on: bool | None, minutes: int | None, now: datetime
) -> ReminderSettings:
    """Missing-hours nudges on or off, or at another local time (None: as they are)."""
    changed = (on is not None and on != person.reminders) or (
        minutes is not None and minutes != person.reminder_minutes
    )
    if changed:
        people.set_reminders(conn, person.id, on=on, minutes=minutes, now=now)
    return ReminderSettings(
        person.reminders if on is None else on,
        person.reminder_minutes if minutes is None else minutes,
        person.timezone,
        changed,
    )
