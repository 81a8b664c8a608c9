"""Reports (issue #15): a period's time by client, project, task, person or work type (or by
week), with its total hours, billable share and, for those who may see rates, its value.

Members see their own time only; partners and admins see everyone's (decided here, from the
reader, never from what the request says). The figures are the export's, summed: the same
pricer (``figures``), frozen prices for approved and billed entries and live ones for the
rest. ``build`` is what Slack asks (``/track report``, after the ack); ``gather`` what the CLI
asks (it sees everything: it has the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from bot.errors import UserError
from bot.services import catalog
from bot.services.invoices.issue import find_client
from bot.services.money import from_minor
from bot.services.report.figures import GroupKey, Tally, tally
from storage import people, prices
from storage import report as store
from storage.models import Role
from storage.report import GROUPINGS, Label, Scope

NO_TASK, NO_WORK_TYPE = "(no task)", "(no work type)"
MAX_DAYS = 366 * 10


@dataclass(frozen=True)
class Request:
    """What to report on, with names resolved (``resolve``): what buttons and files carry."""

    first: date
    last: date
    grouping: str | None = None  # one of storage.report.GROUPINGS; None: by week
    client_id: int | None = None
    project_id: int | None = None
    person: str | None = None  # the CLI's --person (a Slack id); Slack readers are scoped by role

    def to_payload(self) -> dict[str, Any]:
        return {"f": self.first.isoformat(), "l": self.last.isoformat(), "b": self.grouping,
                "c": self.client_id, "p": self.project_id, "u": self.person}  # fmt: skip

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Request:
        """A button's or an outbox row's request, checked (a button's value is the client's)."""
        grouping = data.get("b")
        if grouping is not None and grouping not in GROUPINGS:
            raise ValueError(f"not a grouping: {grouping!r}")
        ids = [data.get(k) for k in ("c", "p")]
        if any(v is not None and (not isinstance(v, int) or isinstance(v, bool)) for v in ids):
            raise ValueError("not an id")
        person = data.get("u")
        first, last = date.fromisoformat(str(data["f"])), date.fromisoformat(str(data["l"]))
        return cls(first, last, grouping, ids[0], ids[1], None if person is None else str(person))


@dataclass(frozen=True)
class Figures:
    entries: int
    seconds: int  # measured
    billable_seconds: int
    value: dict[str, Decimal]  # what the time bills, by currency; empty when the reader may not see rates

    @property
    def hours(self) -> Decimal:
        return hours(self.seconds)

    @property
    def billable_hours(self) -> Decimal:
        return hours(self.billable_seconds)

    @property
    def billable_share(self) -> Decimal | None:
        """The billable part of the measured time, 0 to 1; None when nothing was tracked."""
        return None if not self.seconds else Decimal(self.billable_seconds) / Decimal(self.seconds)


def hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Group:
    key: GroupKey  # the grouping's id (by task: task, project; by week: the Monday's ordinal)
    label: str  # a client's or work type's name, a project's code, "CODE › Task", a person's name
    detail: str  # a project's name, a person's Slack id; else ""
    figures: Figures


@dataclass(frozen=True)
class Report:
    first: date
    last: date
    grouping: str | None
    everyone: bool  # everyone's time (partners, admins, the CLI), else the reader's own
    show_value: bool  # the reader may see rates and amounts
    groups: list[Group]  # by hours, most first (by week: in order, weeks without time left out)
    total: Figures
    locale: str
    client: str | None = None  # the filters, by name
    project: str | None = None
    person: str | None = None


def resolve(
    conn: Connection,
    first: date,
    last: date,
    grouping: str | None,
    *,
    client: str | None = None,
    project: str | None = None,
    person: str | None = None,
) -> Request:
    """A request by names (``/track report``, the CLI) with its names found."""
    if last < first:
        raise UserError(f"The period ends ({last}) before it starts ({first}).")
    if (last - first).days > MAX_DAYS:
        raise UserError(f"The period {first}..{last} is longer than ten years; report on less.")
    if grouping is not None and grouping not in GROUPINGS:
        raise UserError(f"`{grouping}` is not a grouping; use one of: {', '.join(GROUPINGS)}.")
    client_id = find_client(conn, client) if client else None
    project_id = catalog.find_project(conn, project).id if project else None
    if person is not None and store.person_by_slack_id(conn, person) is None:
        raise UserError(f"No one has the Slack id {person!r}.")
    return Request(first, last, grouping, client_id, project_id, person)


def build(conn: Connection, reader: str, request: Request) -> Report:
    """``/track report`` for ``reader`` (a Slack id): their own time, or everyone's for a
    partner or admin, who also see the value."""
    found = people.person(conn, reader)
    if found is None:
        raise UserError("You have no time tracked yet, so there is nothing to report.")
    everyone = found.role in (Role.PARTNER, Role.ADMIN)
    if everyone:
        return gather(conn, request, show_value=True)
    return gather(conn, request, show_value=False, person_id=found.id, person_name=found.name)


def gather(
    conn: Connection,
    request: Request,
    *,
    show_value: bool,
    person_id: int | None = None,
    person_name: str | None = None,
) -> Report:
    """The report on ``request`` (everyone's time, or ``person_id``'s alone)."""
    everyone = person_id is None
    if request.person is not None and person_id is None:
        found = store.person_by_slack_id(conn, request.person)
        if found is None:
            raise UserError(f"No one has the Slack id {request.person!r}.")
        person_id, person_name = found
    tallies, ungrouped = tally(conn, request.grouping, _scope(conn, request, person_id), value=show_value)
    labels = _labels(conn, request.grouping, list(tallies))
    groups = [
        Group(key, *labels.get(key, Label(_unnamed(request.grouping), "")), _figures(t, show_value))
        for key, t in tallies.items()
    ]
    if request.grouping is None:
        groups.sort(key=lambda g: g.key[0] or 0)
    else:
        groups.sort(key=lambda g: (-g.figures.seconds, g.label.lower(), str(g.key)))
    total = Tally(value=dict(ungrouped))
    for t in tallies.values():
        total.entries += t.entries
        total.seconds += t.seconds
        total.billable_seconds += t.billable_seconds
        for currency, minor in t.value.items():
            total.add_value(currency, minor)
    terms = prices.workspace_terms(conn)
    named = store.labels(conn, "client", [request.client_id])
    project = store.labels(conn, "project", [request.project_id])
    return Report(
        request.first, request.last, request.grouping, everyone, show_value, groups,
        _figures(total, show_value), (terms.locale if terms else None) or "en_US",
        client=named[request.client_id].name if request.client_id in named else None,
        project=project[request.project_id].name if request.project_id in project else None,
        person=None if everyone and request.person is None else person_name,
    )  # fmt: skip


# A report over at least this part of the days that have entries reads the whole table.
SCAN_SHARE = 0.25


def _scope(conn: Connection, request: Request, person_id: int | None) -> Scope:
    projects: list[int] | None = None
    if request.client_id is not None:
        projects = store.client_projects(conn, request.client_id)
        if request.project_id is not None:
            projects = [p for p in projects if p == request.project_id]
    elif request.project_id is not None:
        projects = [request.project_id]
    scan = False
    if person_id is None and projects is None:  # everyone's time: maybe most of the table
        span = store.span(conn)
        if span is not None:
            inside = (min(span[1], request.last) - max(span[0], request.first)).days + 1
            scan = inside >= SCAN_SHARE * ((span[1] - span[0]).days + 1)
    return Scope(request.first, request.last, person_id, projects, scan)


def _figures(t: Tally, show_value: bool) -> Figures:
    value = {c: from_minor(m, c) for c, m in sorted(t.value.items())} if show_value else {}
    return Figures(t.entries, t.seconds, t.billable_seconds, value)


def _unnamed(grouping: str | None) -> str:
    return NO_WORK_TYPE if grouping == "work-type" else NO_TASK if grouping == "task" else "?"


def _labels(conn: Connection, grouping: str | None, keys: list[GroupKey]) -> dict[GroupKey, Label]:
    if grouping is None:
        return {k: Label(date.fromordinal(k[0] or 1).isoformat(), "") for k in keys}
    found = store.labels(conn, grouping, [k[0] for k in keys])
    if grouping != "task":
        return {k: found[k[0]] for k in keys if k[0] in found}
    codes = store.labels(conn, "project", [k[1] for k in keys])
    out = {}
    for key in keys:
        task, project = key[0], key[1]
        code = codes[project] if project in codes else Label("?", "")
        name = found[task].name if task in found else NO_TASK
        out[key] = Label(f"{code.name} › {name}", code.detail)
    return out


def weeks(report: Report) -> list[tuple[date, Figures | None]]:
    """Every week the period touches, Monday first, with its figures (None: no time)."""
    by_monday = {date.fromordinal(g.key[0] or 1): g.figures for g in report.groups}
    monday = report.first - timedelta(days=report.first.weekday())
    out = []
    while monday <= report.last:
        out.append((monday, by_monday.get(monday)))
        monday += timedelta(days=7)
    return out
