"""Time-log quality: the entries of a period a careful billing coordinator would question
before they reach an invoice, each with why.

- ``short``: a description shorter than the firm's minimum (``min_description_length``);
- ``generic``: no description, or one that says nothing ("work", "misc", "meeting", ...);
- ``overlap``: two entries of one person whose start and end times overlap (both named);
- ``long``: one entry over 10 hours;
- ``round_run``: a run of ROUND_RUN or more of a person's entries in a row with the same round
  duration (whole or half hours): time filled in, not tracked;
- ``late``: logged more than LATE_DAYS days after the day it is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Connection

from bot.services.clock import local_date
from storage import people
from storage import quality as store
from storage.quality import Logged

GENERIC = frozenset({
    "work", "working", "misc", "miscellaneous", "meeting", "meetings", "admin", "administration", "stuff",
    "various", "tbd", "todo", "to do", "n/a", "na", "none", "general", "task", "tasks", "email", "emails",
    "call", "calls", "project", "project work", "client work", "time", "see above", "same", "ditto", "x",
})  # fmt: skip
LONG_SECONDS = 10 * 3600
ROUND_SECONDS = 1800  # whole and half hours
ROUND_RUN = 4
LATE_DAYS = 7
KINDS = ("short", "generic", "overlap", "long", "round_run", "late")
_WORDS = re.compile(r"[^\w/ ]+")


@dataclass
class Flag:
    entry: Logged
    kinds: list[str] = field(default_factory=list)


def is_generic(description: str) -> bool:
    words = " ".join(_WORDS.sub(" ", description.lower()).split())
    return not words or words in GENERIC


def check(conn: Connection, first: date, last: date) -> list[Flag]:
    """The period's questionable entries, each once with every reason, by person and day."""
    minimum = people.workspace(conn).min_description_length
    found = store.entries(conn, first, last)
    flags: dict[int, Flag] = {}

    def flag(entry: Logged, kind: str) -> None:
        kinds = flags.setdefault(entry.id, Flag(entry)).kinds
        if kind not in kinds:
            kinds.append(kind)

    for entry in found:
        text = entry.description.strip()
        if is_generic(text):
            flag(entry, "generic")
        elif minimum and len(text) < minimum:
            flag(entry, "short")
        if entry.seconds > LONG_SECONDS:
            flag(entry, "long")
        logged_on = local_date(entry.created_at, entry.timezone)
        if logged_on - entry.day > timedelta(days=LATE_DAYS):
            flag(entry, "late")
    by_person: dict[int, list[Logged]] = {}
    for entry in found:
        by_person.setdefault(entry.person_id, []).append(entry)
    for mine in by_person.values():
        for a, b in _overlaps(mine):
            flag(a, "overlap")
            flag(b, "overlap")
        for run in _round_runs(mine):
            for entry in run:
                flag(entry, "round_run")
    return sorted(flags.values(), key=lambda f: (f.entry.person, f.entry.day, f.entry.id))


def _overlaps(entries: list[Logged]) -> list[tuple[Logged, Logged]]:
    timed = [e for e in entries if e.started_at is not None and e.ended_at is not None]
    timed.sort(key=lambda e: (e.started_at, e.id))
    pairs = []
    for i, a in enumerate(timed):
        for b in timed[i + 1 :]:
            if b.started_at >= a.ended_at:  # type: ignore[operator]
                break
            pairs.append((a, b))
    return pairs


def _round_runs(entries: list[Logged]) -> list[list[Logged]]:
    runs: list[list[Logged]] = []
    current: list[Logged] = []
    for entry in entries:  # in day and start order
        if (current and entry.seconds == current[-1].seconds and entry.seconds % ROUND_SECONDS == 0
                and entry.seconds >= 3600):  # fmt: skip
            current.append(entry)
            continue
        if len(current) >= ROUND_RUN:
            runs.append(current)
        current = [entry] if entry.seconds % ROUND_SECONDS == 0 and entry.seconds >= 3600 else []
    if len(current) >= ROUND_RUN:
        runs.append(current)
    return runs
