"""The ``rates:`` section of the import: effective-dated bill and cost rates at every level.

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
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.pricing import RateLevel
from storage.models import Client, Person, Project, Rate, RateKind, Task

RATE_KEYS = {"person", "client", "project", "task", "rate", "from", "cost"}
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
class RatePlan:
    kind: RateKind
    level: RateLevel
    person: str | None
    client: str | None
    project: str | None
    task: tuple[str, str] | None  # (project code, task name)
    rate: Decimal
    effective_from: date


@dataclass(frozen=True)
class Known:
    """What the file and the database name, for checking references before writing."""

    people: set[str]
    clients: set[str]  # lower-cased
    projects: set[str]  # lower-cased codes
    tasks: set[tuple[str, str]]  # (lower code, lower task name)


def known_in_database(session: Session) -> Known:
    tasks = session.execute(
        select(func.lower(Project.code), func.lower(Task.name)).join(Task, Task.project_id == Project.id)
    )
    return Known(
        people={sid for (sid,) in session.execute(select(Person.slack_id))},
        clients={n for (n,) in session.execute(select(func.lower(Client.name)))},
        projects={c for (c,) in session.execute(select(func.lower(Project.code)))},
        tasks={(c, t) for c, t in tasks},
    )


def validate(raw_rates: Any, check: Any, known: Known) -> list[RatePlan]:
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


def apply(session: Session, plans: list[RatePlan], *, now: datetime) -> tuple[int, int]:
    """Upsert the rates (same kind, level, keys and date: the rate is replaced). (created, updated)."""
    if not plans:
        return 0, 0
    people = {sid: pid for sid, pid in session.execute(select(Person.slack_id, Person.id))}
    clients = {n.lower(): cid for n, cid in session.execute(select(Client.name, Client.id))}
    projects = {c.lower(): pid for c, pid in session.execute(select(Project.code, Project.id))}
    tasks = {
        (c.lower(), n.lower()): tid
        for c, n, tid in session.execute(
            select(Project.code, Task.name, Task.id).join(Task, Task.project_id == Project.id)
        )
    }
    existing = {
        (r.kind, r.level, r.person_id, r.client_id, r.project_id, r.task_id, r.effective_from): r
        for r in session.scalars(select(Rate))
    }
    created = updated = 0
    for plan in plans:
        keys = (
            people.get(plan.person) if plan.person else None,
            clients.get(plan.client.lower()) if plan.client else None,
            projects.get(plan.project.lower()) if plan.project else None,
            tasks.get((plan.task[0].lower(), plan.task[1].lower())) if plan.task else None,
        )
        found = existing.get((plan.kind, plan.level.value, *keys, plan.effective_from))
        if found is None:
            person_id, client_id, project_id, task_id = keys
            session.add(Rate(kind=plan.kind, level=plan.level.value, person_id=person_id, client_id=client_id,
                             project_id=project_id, task_id=task_id, rate=plan.rate,
                             effective_from=plan.effective_from, created_at=now, updated_at=now))  # fmt: skip
            created += 1
        elif found.rate != plan.rate:
            found.rate, found.updated_at = plan.rate, now
            updated += 1
    return created, updated
