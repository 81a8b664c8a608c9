"""Writing a valid :class:`Plan`: idempotent upserts, counted for the summary.

Rows are matched as people know them: people by Slack id, clients by name and projects by
code (both case-insensitive), tasks by name within their project, work types by name,
rates by kind, level, keys and date. A value the file leaves out keeps what the row has;
a row is counted as updated only when a value really changed, so importing the same file
twice reports "Nothing changed".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from bot.services.importer.plan import (
    ClientPlan,
    PersonPlan,
    Plan,
    ProjectPlan,
    RatePlan,
    TimeOffPlan,
    WorkTypePlan,
)
from bot.services.importer.schema import ImportSummary
from storage import setup, time_off

# A change to any of these reloads every process's project index (bot.services.project_index).
CATALOG = ("clients", "projects", "tasks")


def apply(conn: Connection, plan: Plan, *, now: datetime) -> ImportSummary:
    summary = ImportSummary()
    if plan.workspace is not None:
        workspace = setup.ensure_workspace(conn, now=now)
        changes = _changes(workspace, asdict(plan.workspace))
        if changes:
            setup.update(conn, workspace, changes, now=now)
            summary.updated["workspace"] += 1
    if plan.firm:
        workspace = setup.ensure_workspace(conn, now=now)
        changes = _changes(workspace, plan.firm)
        if changes:
            setup.update(conn, workspace, changes, now=now)
            summary.updated["workspace"] += 1
    _people(conn, plan.people, summary, now=now)
    _clients(conn, plan.clients, summary, now=now)
    _work_types(conn, plan.work_types, summary, now=now)
    summary.created["rates"], summary.updated["rates"] = _rates(conn, plan.rates, now=now)
    summary.created["time_off"] = _time_off(conn, plan.time_off, now=now)
    if any(summary.created[k] or summary.updated[k] for k in CATALOG):
        setup.bump_catalog_version(conn, now=now)
    return summary


def _changes(row: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values given (not None) that differ from the row's: what a re-import updates."""
    return {key: value for key, value in values.items() if value is not None and getattr(row, key) != value}


def _active(value: bool | None) -> bool:
    return True if value is None else value


def _people(conn: Connection, people: list[PersonPlan], summary: ImportSummary, *, now: datetime) -> None:
    existing = setup.people(conn)
    default_timezone: str | None = None  # the workspace's, read when a new person needs it
    new: list[dict[str, Any]] = []  # inserted together: 88,000 people one by one took minutes
    for p in people:
        person = existing.get(p.slack_id)
        if person is None:
            timezone = p.timezone
            if timezone is None:
                if default_timezone is None:
                    default_timezone = setup.ensure_workspace(conn, now=now).timezone
                timezone = default_timezone
            new.append(dict(
                slack_id=p.slack_id, name=p.name, role=p.role, timezone=timezone,
                timezone_from_import=p.timezone is not None, schedule=p.schedule or {}, rate=p.rate,
                active=_active(p.active), country=p.country, subdivision=p.subdivision,
                timekeeper_class=p.timekeeper_class,
            ))  # fmt: skip
            summary.created["people"] += 1
            continue
        changes = _changes(person, {
            "name": p.name, "role": p.role, "timezone": p.timezone,
            # A timezone from the import wins over Slack's profile from now on.
            "timezone_from_import": True if p.timezone is not None else None,
            "rate": p.rate, "schedule": p.schedule, "active": p.active, "country": p.country,
            "subdivision": p.subdivision, "timekeeper_class": p.timekeeper_class,
        })  # fmt: skip
        if changes:
            setup.update(conn, person, changes, now=now)
            summary.updated["people"] += 1
    setup.insert_people(conn, new, now=now)


def _clients(conn: Connection, clients: list[ClientPlan], summary: ImportSummary, *, now: datetime) -> None:
    person_ids = setup.person_ids(conn)
    existing = setup.clients(conn)
    projects = setup.projects(conn)
    for c in clients:
        approver_id = person_ids.get(c.approver) if c.approver else None
        client = existing.get(c.name.lower())
        if client is None:
            client_id = setup.insert_client(
                conn, name=c.name, approver_id=approver_id, currency=c.currency,
                billing_channel=c.billing_channel, rate=c.rate,
                billing_increment_minutes=c.billing_increment_minutes, rounding=c.rounding,
                active=_active(c.active), now=now, **c.invoicing,
            )  # fmt: skip
            summary.created["clients"] += 1
        else:
            client_id = client.id
            # The name is how the client is found: a change of case alone is not an update.
            changes = _changes(client, {
                "currency": c.currency, "billing_channel": c.billing_channel, "rate": c.rate,
                "billing_increment_minutes": c.billing_increment_minutes, "rounding": c.rounding,
                "approver_id": approver_id, "active": c.active, **c.invoicing,
            })  # fmt: skip
            if changes:
                setup.update(conn, client, changes, now=now)
                summary.updated["clients"] += 1
        for p in c.projects:
            _project(conn, p, client_id, projects.get(p.code.lower()), person_ids, summary, now=now)


def _project(
    conn: Connection,
    p: ProjectPlan,
    client_id: int,
    project: setup.ProjectSetup | None,
    person_ids: dict[str, int],
    summary: ImportSummary,
    *,
    now: datetime,
) -> None:
    values: dict[str, Any] = {
        "name": p.name, "client_id": client_id, "billing_type": p.billing_type,
        "approver_id": person_ids.get(p.approver) if p.approver else None,
        "alert_channel": p.alert_channel, "budget_hours": p.budget_hours, "budget_amount": p.budget_amount,
        "rate": p.rate, "required_fields": p.required_fields, "fee": p.fee, "milestones": p.milestones,
        "budget_period": p.budget_period, "alert_thresholds": p.alert_thresholds,
        "included_hours": p.included_hours, "client_matter_id": p.client_matter_id,
    }  # fmt: skip
    if project is None:
        project_id = setup.insert_project(conn, code=p.code, **values, active=_active(p.active), now=now)
        summary.created["projects"] += 1
    else:
        project_id = project.id
        changes = _changes(project, {**values, "active": p.active})
        if changes:
            setup.update(conn, project, changes, now=now)
            summary.updated["projects"] += 1
    existing = setup.tasks_of(conn, project_id)
    for t in p.tasks:
        task = existing.get(t.name.lower())
        if task is None:
            setup.insert_task(
                conn, project_id=project_id, name=t.name, rate=t.rate, budget_hours=t.budget_hours,
                budget_amount=t.budget_amount, billable=t.billable, active=_active(t.active), now=now,
                utbms=t.utbms,
            )  # fmt: skip
            summary.created["tasks"] += 1
            continue
        changes = _changes(task, {
            "rate": t.rate, "budget_hours": t.budget_hours, "budget_amount": t.budget_amount,
            "billable": t.billable, "active": t.active, "utbms": t.utbms,
        })  # fmt: skip
        if changes:
            setup.update(conn, task, changes, now=now)
            summary.updated["tasks"] += 1


def _work_types(
    conn: Connection, work_types: list[WorkTypePlan], summary: ImportSummary, *, now: datetime
) -> None:
    existing = setup.work_types(conn)
    for w in work_types:
        work_type = existing.get(w.name.lower())
        if work_type is None:
            setup.insert_work_type(conn, name=w.name, active=_active(w.active), now=now, utbms=w.utbms)
            summary.created["work_types"] += 1
        elif changes := _changes(work_type, {"active": w.active, "utbms": w.utbms}):
            setup.update(conn, work_type, changes, now=now)
            summary.updated["work_types"] += 1


def _rates(conn: Connection, plans: list[RatePlan], *, now: datetime) -> tuple[int, int]:
    """Upsert the rates (same kind, level, keys and date: the rate is replaced). (created, updated)."""
    if not plans:
        return 0, 0
    people, clients = setup.person_ids(conn), setup.client_ids(conn)
    projects, tasks = setup.project_ids(conn), setup.task_ids(conn)
    existing = setup.rates(conn)
    created = updated = 0
    for plan in plans:
        key = setup.RateKey(
            kind=plan.kind,
            level=plan.level.value,
            person_id=people.get(plan.person) if plan.person else None,
            client_id=clients.get(plan.client.lower()) if plan.client else None,
            project_id=projects.get(plan.project.lower()) if plan.project else None,
            task_id=tasks.get((plan.task[0].lower(), plan.task[1].lower())) if plan.task else None,
            effective_from=plan.effective_from,
        )
        found = existing.get(key)
        if found is None:
            setup.insert_rate(conn, key, plan.rate, now=now)
            created += 1
        elif found.rate != plan.rate:
            setup.update(conn, found, {"rate": plan.rate}, now=now)
            updated += 1
    return created, updated


def _time_off(conn: Connection, plans: list[TimeOffPlan], *, now: datetime) -> int:
    """Each day of each entry recorded (a day again replaces it); the days that changed."""
    if not plans:
        return 0
    people = setup.person_ids(conn)
    changed = 0
    for plan in plans:
        day = plan.first
        while day <= plan.last:
            changed += time_off.record(conn, person_id=people[plan.person], day=day, seconds=plan.seconds,
                                       reason=plan.reason, now=now)  # fmt: skip
            day += timedelta(days=1)
    return changed
