"""Who is asking: people from the import, or registered on first use from their Slack profile."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.clock import is_timezone
from storage import queries
from storage.models import Person, Role


@dataclass(frozen=True)
class SlackProfile:
    name: str
    timezone: str | None


ProfileLookup = Callable[[str], SlackProfile | None]


def get_or_register(
    session: Session, slack_id: str, *, now: datetime, lookup: ProfileLookup, for_update: bool = False
) -> Person:
    """The person with this Slack id; someone not in the import becomes a member.

    ``lookup`` asks Slack (users.info) for the name and timezone; when it fails the person
    is still registered, with the workspace timezone, so their time is never refused.
    """
    person = queries.person_by_slack_id(session, slack_id, for_update=for_update)
    if person is not None:
        return person
    profile = lookup(slack_id)
    workspace = queries.workspace(session)
    tz = profile.timezone if profile and profile.timezone and is_timezone(profile.timezone) else None
    person = Person(
        slack_id=slack_id,
        name=(profile.name if profile and profile.name else slack_id),
        role=Role.MEMBER,
        timezone=tz or workspace.timezone,
        timezone_from_import=False,
        schedule={},
        created_at=now,
        updated_at=now,
    )
    session.add(person)
    session.flush()
    return person
