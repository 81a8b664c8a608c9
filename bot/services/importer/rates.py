"""The ``rates:`` section: effective-dated bill and cost rates at every level.

    rates:
      - {person: U0MEMBER, project: ACME-WEB, rate: 275, from: 2026-10-01}
      - {task: ACME-WEB/Design, rate: 300, from: 2026-01-01}
      - {person: U0MEMBER, rate: 90, from: 2026-01-01, cost: true}

The keys given decide the level (person on task > task > person on project > project >
person on client > client > person); a task is named ``CODE/Task``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from bot.services.importer.check import Checker
from bot.services.importer.plan import RatePlan
from bot.services.importer.schema import RATE_KEYS
from bot.services.pricing import RateLevel
from storage import setup
from storage.models import RateKind

LEVELS = {
    frozenset({"person", "task"}): RateLevel.PERSON_TASK,
    frozenset({"task"}): RateLevel.TASK,
    frozenset({"person", "project"}): RateLevel.PERSON_PROJECT,
    frozenset({"project"}): RateLevel.PROJECT,
    frozenset({"person", "client"}): RateLevel.PERSON_CLIENT,
    frozenset({"client"}): RateLevel.CLIENT,
    frozenset({"person"}): RateLevel.PERSON,
}


@dataclass(frozen=True)
class Known:
    """What the file and the database name, for checking references before writing."""

    people: set[str]
    clients: set[str]  # lower-cased
    projects: set[str]  # lower-cased codes
    tasks: set[tuple[str, str]]  # (lower code, lower task name)

    def __or__(self, other: Known) -> Known:
        return Known(
            self.people | other.people,
            self.clients | other.clients,
            self.projects | other.projects,
            self.tasks | other.tasks,
        )


def known_in_database(conn: Connection) -> Known:
    return Known(
        people=set(setup.person_ids(conn)),
        clients=set(setup.client_ids(conn)),
        projects=set(setup.project_ids(conn)),
        tasks=set(setup.task_ids(conn)),
    )


def validate(raw_rates: Any, check: Checker, known: Known) -> list[RatePlan]:
    """Check every rate; problems go to ``check.fail`` with the entry named."""
    plans: list[RatePlan] = []
    seen: dict[tuple[Any, ...], str] = {}
    for i, raw in enumerate(check.seq(raw_rates, "rates")):
        where = f"rates[{i}]"
        r = check.mapping(raw, where, RATE_KEYS, {"rate", "from"})
        keys = frozenset(k for k in ("person", "client", "project", "task") if r.get(k) not in (None, ""))
        level = LEVELS.get(keys)
        if level is None:
            check.fail(
                where,
                "name a person, a client, a project or a task (CODE/Task), or a person with one of them",
            )
            continue
        person = check.text(r.get("person"), where, "person")
        if person and person not in known.people:
            check.fail(where, f"person {person!r} is not in this file or already imported")
        client = check.text(r.get("client"), where, "client")
        if client and client.lower() not in known.clients:
            check.fail(where, f"client {client!r} is not in this file or already imported")
        project = check.text(r.get("project"), where, "project")
        if project and project.lower() not in known.projects:
            check.fail(where, f"project {project!r} is not a project code in this file or already imported")
        task: tuple[str, str] | None = None
        task_text = check.text(r.get("task"), where, "task")
        if task_text:
            code, _, name = task_text.partition("/")
            if not name or (code.lower(), name.lower()) not in known.tasks:
                check.fail(where, f"task {task_text!r} must be CODE/Task naming a task of a known project")
            task = (code, name)
        rate = check.money(r.get("rate"), where, "rate")
        effective = r.get("from")
        if isinstance(effective, datetime) or not isinstance(effective, date):
            check.fail(where, f"from {effective!r} must be a date such as 2026-10-01")
            continue
        cost = check.flag(r.get("cost"), where, "cost") or False
        if rate is None:
            continue
        kind = RateKind.COST if cost else RateKind.BILL
        identity = (kind, level, person, (client or "").lower(), (project or "").lower(),
                    tuple(x.lower() for x in task) if task else None, effective)  # fmt: skip
        if identity in seen:
            check.fail(where, f"overlaps {seen[identity]}: the same level and date twice")
        seen[identity] = where
        plans.append(RatePlan(kind, level, person, client, project, task, rate, effective))
    return plans
