"""Share links: a client sees its own hours on a page of its own (``/r/<token>``) before the
invoice comes, and disputes less.

A token carries 192 random bits (``secrets``) and is stored only as its SHA-256: it is shown
once, when the link is made. A link can be limited to one project, show entry descriptions or
not, stop on a last day, and be revoked; an unknown, expired or revoked token all resolve to
None (the page answers the same 404 for each). Each opening is counted. The page shows the
client's billable hours only: by project, task and work type, approved apart from awaiting
approval, budgets in hours, and the entries when the link was made with descriptions; never a
rate, an amount, a cost, another client, a draft or time sent back.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection

from bot.errors import Refused, UserError
from bot.services.clock import local_date
from bot.services.invoices.issue import find_client
from storage import invoices as invoice_store
from storage import people, sharing
from storage.models import Role
from storage.sharing import Entry, LinkRow

TOKEN_BYTES = 24  # 192 random bits
MAX_DAYS = 400  # the longest period a page shows
ENTRY_LIMIT = 500  # entries listed on the page; the CSV has them all
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
CLI = "cli"  # the actor of links made or revoked from the command line


def url(base: str | None, token: str) -> str:
    """The link a client opens: ``PUNCHCARD_BASE_URL/r/<token>`` (the path alone without one)."""
    return f"{(base or '').rstrip('/')}/r/{token}"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_in(text: str) -> str | None:
    """The token of a link, or a token given alone; None when the text holds none."""
    word = text.strip().rstrip("/").rsplit("/r/", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    return word if _TOKEN.match(word) else None


def may_share(conn: Connection, actor: str) -> None:
    if actor == CLI:
        return
    person = people.person(conn, actor)
    if person is None or person.role not in (Role.PARTNER, Role.ADMIN):
        raise Refused("sharing_for_partners")


def today(conn: Connection, now: datetime) -> date:
    return local_date(now, people.workspace(conn).timezone)


@dataclass(frozen=True)
class Created:
    token: str  # shown once: only its hash is kept
    link: LinkRow


@dataclass(frozen=True)
class Form:
    """What the new-link modal offers: the client, and its projects (id, code, name)."""

    client_id: int
    client: str
    projects: list[tuple[int, str, str]]


def form(conn: Connection, actor: str, client_id: int) -> Form:
    may_share(conn, actor)
    found = invoice_store.client(conn, client_id)
    if found is None:
        raise Refused("no_such_client")
    return Form(client_id, found.name, sharing.projects_of(conn, client_id))


def create(
    conn: Connection,
    actor: str,
    *,
    client: str | int,
    project: str | int | None = None,
    expires: date | None = None,
    descriptions: bool = False,
    now: datetime,
) -> Created:
    """A new link to the client's hours (one project's, given its code or id)."""
    may_share(conn, actor)
    client_id = client if isinstance(client, int) else find_client(conn, client)
    found = invoice_store.client(conn, client_id)
    if found is None:
        raise Refused("no_such_client")
    project_id = None
    if isinstance(project, int):
        if all(p[0] != project for p in sharing.projects_of(conn, client_id)):
            raise UserError(f"That project is not one of {found.name}'s.")
        project_id = project
    elif project:
        project_id = sharing.project_of_client(conn, client_id, project)
        if project_id is None:
            raise UserError(f"{found.name} has no project with the code {project!r}.")
    if expires is not None and expires < today(conn, now):
        raise UserError(f"{expires} has passed: a link expires on a day to come (--expires YYYY-MM-DD).")
    token = new_token()
    link_id = sharing.add(
        conn,
        {
            "token_hash": token_hash(token),
            "hint": token[:6],
            "client_id": client_id,
            "project_id": project_id,
            "descriptions": descriptions,
            "expires_on": expires,
            "created_by": actor,
            "created_at": now,
            "opens": 0,
        },
    )
    link = sharing.by_id(conn, link_id)
    assert link is not None
    return Created(token, link)


def revoke(
    conn: Connection, actor: str, *, token: str | None = None, link_id: int | None = None, now: datetime
) -> LinkRow:
    """Revoke a link, named by its token or URL (the CLI) or its id (a Revoke button)."""
    may_share(conn, actor)
    link = None
    if token is not None:
        found = token_in(token)
        if found is None:
            raise UserError(f"{token!r} is not a share link or token (…/r/<token>).")
        link = sharing.by_hash(conn, token_hash(found))
    elif link_id is not None:
        link = sharing.by_id(conn, link_id)
    if link is None:
        raise Refused("no_such_link")
    if not sharing.revoke(conn, link.id, by=actor, now=now):
        raise Refused("link_already_revoked", hint=link.hint)
    revoked = sharing.by_id(conn, link.id)
    assert revoked is not None
    return revoked


def links(conn: Connection, actor: str, *, client: str | int | None = None) -> list[LinkRow]:
    may_share(conn, actor)
    client_id = None if client is None else client if isinstance(client, int) else find_client(conn, client)
    return sharing.of_client(conn, client_id)


def live(link: LinkRow, day: date) -> bool:
    return link.revoked_at is None and (link.expires_on is None or day <= link.expires_on)


def resolve(conn: Connection, token: str, *, now: datetime) -> LinkRow | None:
    """The link behind a token when it may be opened; else None (unknown, expired, revoked
    and malformed alike)."""
    if not _TOKEN.match(token):
        return None
    link = sharing.by_hash(conn, token_hash(token))
    return link if link is not None and live(link, today(conn, now)) else None


def visit(conn: Connection, token: str, *, now: datetime) -> LinkRow | None:
    """``resolve``, and the opening counted (when and how often, shown beside the link)."""
    link = resolve(conn, token, now=now)
    if link is not None:
        sharing.opened(conn, link.id, now=now)
    return link


def period(day: date, first: str | None, last: str | None) -> tuple[date, date, bool]:
    """The period asked for (``from``/``to``, YYYY-MM-DD), else the month to date; and whether
    what was asked could be read."""
    default = (day.replace(day=1), day, True)
    if not first and not last:
        return default
    try:
        start = date.fromisoformat(first or "") if first else day.replace(day=1)
        end = date.fromisoformat(last or "") if last else day
    except ValueError:
        return (*default[:2], False)
    if end < start or (end - start).days > MAX_DAYS:
        return (*default[:2], False)
    return start, end, True


@dataclass(frozen=True)
class Row:
    """Hours of one project, task and work type (decimal hours, 2 places)."""

    project: str
    task: str
    work_type: str
    approved: Decimal
    awaiting: Decimal


@dataclass(frozen=True)
class BudgetUse:
    project: str
    used: Decimal
    budget: Decimal
    monthly: bool

    @property
    def percent(self) -> int:
        return int((self.used * 100 / self.budget).to_integral_value(ROUND_HALF_UP)) if self.budget else 0


@dataclass(frozen=True)
class Page:
    firm: str
    client: str
    project: str | None  # the one project the link shows
    first: date
    last: date
    asked_ok: bool  # False: the period asked for could not be read, the default is shown
    rows: list[Row]
    approved: Decimal
    awaiting: Decimal
    budgets: list[BudgetUse]
    entries: list[Entry] | None  # None: the link shows no descriptions
    more_entries: bool  # the page lists ENTRY_LIMIT; the CSV has all
    locale: str
    today: date


def hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)


def page(
    conn: Connection,
    link: LinkRow,
    *,
    first: str | None = None,
    last: str | None = None,
    now: datetime,
    every_entry: bool = False,
) -> Page:
    """What the link's page (or its CSV: ``every_entry``) shows for the period asked."""
    day = today(conn, now)
    start, end, ok = period(day, first, last)
    grouped = sharing.hours(conn, link, start, end)
    rows = [
        Row(f"{h.code} · {h.project}", h.task, h.work_type, hours(h.approved), hours(h.awaiting))
        for h in grouped
    ]
    budgets = []
    found = sharing.budgets(conn, link)
    until = min(end, day)
    monthly = [b.project_id for b in found if b.monthly]
    total = [b.project_id for b in found if not b.monthly]
    used = sharing.used_seconds(conn, total, since=None, until=until)
    used |= sharing.used_seconds(conn, monthly, since=until.replace(day=1), until=until)
    for budget in found:
        budgets.append(
            BudgetUse(
                f"{budget.code} · {budget.name}",
                hours(used.get(budget.project_id, 0)),
                Decimal(budget.budget_hours),
                budget.monthly,
            )
        )
    entries = more = None
    if link.descriptions:
        limit = None if every_entry else ENTRY_LIMIT + 1
        entries = sharing.entries(conn, link, start, end, limit=limit)
        more = len(entries) > ENTRY_LIMIT and not every_entry
        entries = entries[:ENTRY_LIMIT] if more else entries
    client = invoice_store.client(conn, link.client_id)
    firm = invoice_store.firm(conn)
    return Page(
        firm=firm.name,
        client=link.client,
        project=link.project,
        first=start,
        last=end,
        asked_ok=ok,
        rows=rows,
        approved=sum((r.approved for r in rows), Decimal(0)),
        awaiting=sum((r.awaiting for r in rows), Decimal(0)),
        budgets=budgets,
        entries=entries,
        more_entries=bool(more),
        locale=(client.locale if client else None) or firm.locale or "en_US",
        today=day,
    )


def expiry(link: LinkRow, day: date) -> str:
    """``live``, ``expired`` or ``revoked``: a link's state on a day."""
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if link.expires_on is not None and day > link.expires_on else "live"


def last_month(day: date) -> tuple[date, date]:
    end = day.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end
