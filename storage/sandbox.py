"""What ``punchcard try``'s stand-in for Slack must know of the firm: its name and timezone,
its people (as Slack would list them) and the channels its set-up names."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, select

from storage.models import Client, Person, Project, Workspace


class Member(NamedTuple):
    slack_id: str
    name: str
    role: str
    timezone: str


class Directory(NamedTuple):
    firm: str
    timezone: str
    people: list[Member]
    channels: list[tuple[str, str]]  # (id, what it is for: "billing-acme-corp", "alerts-acme-web")


def directory(conn: Connection) -> Directory:
    found = conn.execute(select(Workspace.name, Workspace.timezone)).first()
    firm, timezone = (
        (found[0] or "Punchcard sandbox", found[1] or "UTC") if found else ("Punchcard sandbox", "UTC")
    )
    people = [
        Member(row.slack_id, row.name, str(getattr(row.role, "value", row.role)), row.timezone)
        for row in conn.execute(
            select(Person.slack_id, Person.name, Person.role, Person.timezone).order_by(
                Person.role, Person.name
            )
        )
    ]
    channels: dict[str, str] = {}
    for channel, name in conn.execute(select(Client.billing_channel, Client.name).order_by(Client.name)):
        if channel:
            channels.setdefault(channel, "billing-" + _slug(name))
    for channel, code in conn.execute(select(Project.alert_channel, Project.code).order_by(Project.code)):
        if channel:
            channels.setdefault(channel, "alerts-" + _slug(code))
    return Directory(firm, timezone, people, sorted(channels.items(), key=lambda c: c[1]))


def _slug(text: str) -> str:
    word = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(part for part in word.split("-") if part)[:60]
