"""The rate book: which rate applies to an entry on its day.

Precedence, most specific first: person on task > task > person on project > project >
person on client > client > person (``PRECEDENCE``, the one table every caller goes
through). Within a level the latest effective date on or before the entry's day wins; the
plain ``rate:`` of a person, client, project or task is in effect always (``ALWAYS``).

Both questions an entry asks (one entry alone, or a million in a batch) are answered from the
same merged :class:`Timeline`: for the entry's person, client, project and task, the rule in
force from each date on, built once per combination from the levels and cached; an entry
then costs a dict lookup and a bisect. Days are ordinals (``date.toordinal()``) throughout.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Connection

from bot.services.money import rate_units
from storage import prices
from storage.models import RateKind

ALWAYS = date(1900, 1, 1)  # the plain `rate:` of a person, client, project or task


class RateLevel(StrEnum):
    PERSON_TASK = "person_task"
    TASK = "task"
    PERSON_PROJECT = "person_project"
    PROJECT = "project"
    PERSON_CLIENT = "person_client"
    CLIENT = "client"
    PERSON = "person"


class Level(NamedTuple):
    level: RateLevel
    fields: tuple[str, ...]  # what a rule at this level names, and the entry's keys it must match
    key: Callable[[Any], Any]  # a rule's or an entry's key at this level (attrgetter of ``fields``)


def _level(level: RateLevel, *fields: str) -> Level:
    return Level(level, fields, attrgetter(*fields))


PRECEDENCE: tuple[Level, ...] = (
    _level(RateLevel.PERSON_TASK, "person_id", "task_id"),
    _level(RateLevel.TASK, "task_id"),
    _level(RateLevel.PERSON_PROJECT, "person_id", "project_id"),
    _level(RateLevel.PROJECT, "project_id"),
    _level(RateLevel.PERSON_CLIENT, "person_id", "client_id"),
    _level(RateLevel.CLIENT, "client_id"),
    _level(RateLevel.PERSON, "person_id"),
)
assert tuple(level.level for level in PRECEDENCE) == tuple(RateLevel)
_PLAIN = {"person": RateLevel.PERSON, "client": RateLevel.CLIENT, "project": RateLevel.PROJECT,
          "task": RateLevel.TASK}  # fmt: skip


class RateKeys(Protocol):
    """What a rate is looked up by: an entry's facts, or anything else with these four."""

    @property
    def person_id(self) -> int: ...
    @property
    def client_id(self) -> int: ...
    @property
    def project_id(self) -> int: ...
    @property
    def task_id(self) -> int | None: ...


class Keys(NamedTuple):
    person_id: int
    client_id: int
    project_id: int
    task_id: int | None = None


@dataclass(frozen=True)
class RateRule:
    level: RateLevel
    rate: Decimal
    effective_from: date
    person_id: int | None = None
    client_id: int | None = None
    project_id: int | None = None
    task_id: int | None = None


class Timeline(NamedTuple):
    """The rule in force from each day on (days ascending, ``rules[i]`` from ``days[i]``);
    ``rates`` and ``units`` are the rules' rates, as Decimals and as ten-thousandths."""

    days: tuple[int, ...]
    rules: tuple[RateRule, ...]
    rates: tuple[Decimal, ...]
    units: tuple[int, ...]

    def at(self, day: int) -> int:
        """The index of the rule in force on ``day``, or -1 before the first."""
        return bisect_right(self.days, day) - 1

    def under(self, over: Timeline) -> Timeline:
        """This timeline with ``over`` (a more specific level) taking over from its first day."""
        cut = bisect_left(self.days, over.days[0])
        if not cut:
            return over
        return Timeline(self.days[:cut] + over.days, self.rules[:cut] + over.rules,
                        self.rates[:cut] + over.rates, self.units[:cut] + over.units)  # fmt: skip


EMPTY = Timeline((), (), (), ())


class RateBook:
    """Every rule of one kind (bill or cost), by level and key, each key's rules by date."""

    def __init__(self, rules: Iterable[RateRule]) -> None:
        grouped: list[dict[Any, list[RateRule]]] = [{} for _ in PRECEDENCE]
        index = {level.level: i for i, level in enumerate(PRECEDENCE)}
        for rule in rules:
            i = index[rule.level]
            key = PRECEDENCE[i].key(rule)
            # A rule at a level must name all its keys (a task rate without a task applies
            # to nothing); the keys other levels use are not looked at.
            if key is None or (isinstance(key, tuple) and None in key):
                continue
            grouped[i].setdefault(key, []).append(rule)
        # Sorted by date, stable: the same level, keys and date twice (refused by the
        # import) resolves to the one given last, as bisect_right picks the last of equals.
        self._levels: list[dict[Any, Timeline]] = [
            {key: _timeline(sorted(found, key=lambda r: r.effective_from)) for key, found in level.items()}
            for level in grouped
        ]
        least_first = tuple(zip(reversed(PRECEDENCE), reversed(self._levels), strict=True))
        # The task levels come last (most specific): what the others give is the same for
        # all of a person's tasks on a project, and is kept per person, client and project.
        self._taskless = tuple(lr for lr in least_first if "task_id" not in lr[0].fields)
        self._tasked = least_first[len(self._taskless) :]
        assert all("task_id" in level.fields for level, _ in self._tasked)
        self._merged: dict[tuple[Any, ...], Timeline] = {}
        self._without_task: dict[tuple[Any, ...], Timeline] = {}
        self._over: dict[tuple[int, int], Timeline] = {}

    def timeline(self, keys: RateKeys) -> Timeline:
        """The merged timeline of one person, client, project and task (cached)."""
        combination = (keys.person_id, keys.client_id, keys.project_id, keys.task_id)
        found = self._merged.get(combination)
        if found is None:
            found = self._merged[combination] = self.merged(keys)
        return found

    def rule_on(self, keys: RateKeys, day: int) -> RateRule | None:
        """The most specific rule in effect on ``day`` (an ordinal), or None."""
        line = self.timeline(keys)
        i = line.at(day)
        return line.rules[i] if i >= 0 else None

    def merged(self, keys: RateKeys) -> Timeline:
        """The merged timeline, for callers that keep their own cache of combinations.

        Levels are laid least specific first, each taking over from its earliest date: on
        any day the most specific level with a rule in effect wins, with its latest rule (a
        level that has started never has a gap). Each step is kept by (timeline below,
        level's own), so combinations share their less specific part and most share the
        whole timeline: a million entries' lookups land in a few thousand of them."""
        without_task = (keys.person_id, keys.client_id, keys.project_id)
        merged = self._without_task.get(without_task)
        if merged is None:
            merged = self._without_task[without_task] = self._over_levels(EMPTY, self._taskless, keys)
        return merged if keys.task_id is None else self._over_levels(merged, self._tasked, keys)

    def _over_levels(
        self, merged: Timeline, levels: tuple[tuple[Level, dict[Any, Timeline]], ...], keys: RateKeys
    ) -> Timeline:
        for level, rules in levels:
            own = rules.get(level.key(keys))
            if own is not None:
                step = (id(merged), id(own))  # both kept alive by this book
                found = self._over.get(step)
                if found is None:
                    found = self._over[step] = merged.under(own)
                merged = found
        return merged


def _timeline(rules: list[RateRule]) -> Timeline:
    return Timeline(tuple(r.effective_from.toordinal() for r in rules), tuple(rules),
                    tuple(r.rate for r in rules), tuple(rate_units(r.rate) for r in rules))  # fmt: skip


def load_books(conn: Connection) -> tuple[RateBook, RateBook]:
    """(bill rates, cost rates): the ``rates`` table plus the plain rates from the import."""
    bill: list[RateRule] = []
    cost: list[RateRule] = []
    for row in prices.rates(conn):
        rule = RateRule(RateLevel(row.level), Decimal(row.rate), row.effective_from, row.person_id,
                        row.client_id, row.project_id, row.task_id)  # fmt: skip
        (cost if row.kind == RateKind.COST else bill).append(rule)
    for plain in prices.plain_rates(conn):
        level = _PLAIN[plain.owner]
        (field,) = PRECEDENCE[list(RateLevel).index(level)].fields
        bill.append(RateRule(level, Decimal(plain.rate), ALWAYS, **{field: plain.owner_id}))
    return RateBook(bill), RateBook(cost)
