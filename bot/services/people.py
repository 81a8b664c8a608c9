"""Who is asking: people from the import, or registered on first use from their Slack profile."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bot.services.clock import is_timezone
from storage import queries, rows
from storage.models import Person
from storage.rows import PersonRow


@dataclass(frozen=True)
class SlackProfile:
    name: str
    timezone: str | None


ProfileLookup = Callable[[str], SlackProfile | None]


def get_or_register(
    conn: Connection, slack_id: str, *, now: datetime, lookup: ProfileLookup, for_update: bool = False
) -> PersonRow:
    """The person with this Slack id; someone not in the import becomes a member.

    ``lookup`` asks Slack (users.info) for the name and timezone; when it fails the person
    is still registered, with the workspace timezone, so their time is never refused.
    ``for_update`` locks the person's row: their timer changes one request at a time.
    """
    found = rows.person(conn, slack_id, for_update=for_update)
    if found is not None:
        return found
    name, timezone = slack_id, rows.workspace(conn).timezone
    profile = lookup(slack_id)
    if profile is not None:
        name = profile.name or name
        if profile.timezone and is_timezone(profile.timezone):
            timezone = profile.timezone
    return rows.insert_person(conn, slack_id=slack_id, name=name, timezone=timezone, now=now)


def needs_profile(person: PersonRow | Person) -> bool:
    """Registered while Slack could not tell us who they are (the name is still the id)."""
    return person.name == person.slack_id


def apply_profile(person: Person, profile: SlackProfile, *, now: datetime) -> None:
    """Name and timezone from Slack; a timezone from the import always wins."""
    if profile.name:
        person.name = profile.name
    if profile.timezone and is_timezone(profile.timezone) and not person.timezone_from_import:
        person.timezone = profile.timezone
    person.updated_at = now


def refresh_profile(session: Session, slack_id: str, *, now: datetime, lookup: ProfileLookup) -> bool:
    """Fill in a person registered without a profile; True when something was learned."""
    person = queries.person_by_slack_id(session, slack_id, for_update=True)
    if person is None or not needs_profile(person):
        return False
    profile = lookup(slack_id)
    if profile is None:
        return False
    apply_profile(person, profile, now=now)
    return True
