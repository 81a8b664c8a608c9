"""``punchcard import``: idempotent upsert of the firm's set-up from YAML, all or nothing.

Everything is validated before anything is written, and every problem is reported with the
entry it is in, so a billing coordinator can fix the file in one pass.

- :mod:`.schema`: the keys each section allows, reading the YAML, the summary and the error
- :mod:`.check`, :mod:`.validate`, :mod:`.rates`: the file checked into a typed :mod:`.plan`
- :mod:`.apply`: the plan written through :mod:`storage.setup`
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection

from bot.services.importer.apply import apply
from bot.services.importer.check import Checker
from bot.services.importer.schema import ImportError_, ImportSummary, load
from bot.services.importer.validate import validate

__all__ = ["ImportError_", "ImportSummary", "import_yaml"]


def import_yaml(
    conn: Connection, text: str, *, now: datetime, progress: Callable[[str], None] | None = None
) -> ImportSummary:
    """Validate the whole file, then upsert it, in the caller's transaction (which the
    caller commits). Raises :class:`ImportError_` listing every problem; nothing is written
    then. Timestamps written are ``now``. ``progress`` hears what is being done (a large
    firm takes a while)."""
    say = progress or (lambda _line: None)
    say(f"Reading {len(text):,} characters…")
    data = load(text)
    check = Checker()
    plan = validate(conn, data, check)
    if check.errors:
        raise ImportError_(check.errors)
    tasks = sum(len(p.tasks) for c in plan.clients for p in c.projects)
    projects = sum(len(c.projects) for c in plan.clients)
    say(f"Checked {len(plan.people):,} people, {len(plan.clients):,} clients, {projects:,} projects, "
        f"{tasks:,} tasks, {len(plan.rates):,} rates; writing…")  # fmt: skip
    return apply(conn, plan, now=now)
