"""The whole file checked before anything is written, into a typed :class:`Plan`.

Every problem is recorded with the entry it is in (``clients[0] (Acme Corp) projects[1]``)
and the key, and checking goes on, so a billing coordinator can fix the file in one pass.
An entry with a problem may be left out of the plan: a plan with problems is never written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from bot.services.clock import WEEKDAY_KEYS
from bot.services.importer import ebilling, invoicing, rates, time_off
from bot.services.importer.check import Checker, is_locale
from bot.services.importer.plan import (
    ClientPlan,
    PersonPlan,
    Plan,
    ProjectPlan,
    TaskPlan,
    WorkspacePlan,
    WorkTypePlan,
)
from bot.services.importer.schema import (
    CLIENT_KEYS,
    MILESTONE_KEYS,
    PERSON_KEYS,
    PROJECT_KEYS,
    SLACK_USER_ID,
    TASK_KEYS,
    TOP_KEYS,
    WORK_TYPE_KEYS,
    WORKSPACE_KEYS,
)
from storage import setup
from storage.models import BillingType, Role


@dataclass
class _Named:
    """What the file names, for the references later entries make (the rates)."""

    people: set[str] = field(default_factory=set)
    clients: set[str] = field(default_factory=set)  # lower-cased
    codes: dict[str, str] = field(default_factory=dict)  # lower-cased code -> the project's name
    tasks: set[tuple[str, str]] = field(default_factory=set)  # (lower code, lower task name)


def validate(conn: Connection, data: dict[str, Any], check: Checker) -> Plan:
    """The plan for ``data`` (the loaded file); problems go to ``check``. Only reads."""
    plan = Plan()
    named = _Named()
    for key in data:
        if key not in TOP_KEYS:
            check.fail("top level", f"unknown key {key!r} (allowed: {', '.join(sorted(TOP_KEYS))})")
    if data.get("workspace") is not None:
        plan.workspace = _workspace(data["workspace"], check)
    if data.get("firm") is not None:
        plan.firm = invoicing.firm(data["firm"], check)
    for i, raw in enumerate(check.seq(data.get("people"), "people")):
        person = _person(raw, f"people[{i}]", check, named)
        if person is not None:
            plan.people.append(person)
    known_people = named.people | set(setup.person_ids(conn))
    for i, raw in enumerate(check.seq(data.get("clients"), "clients")):
        client = _client(raw, f"clients[{i}]", check, known_people, named)
        if client is not None:
            plan.clients.append(client)
    seen_types: set[str] = set()
    for i, raw in enumerate(check.seq(data.get("work_types"), "work_types")):
        where = f"work_types[{i}]"
        item = raw if isinstance(raw, dict) else {"name": raw}
        w = check.mapping(item, where, WORK_TYPE_KEYS, {"name"}, "name")
        name = check.name(w.get("name"), where, "name", limit=100)
        if name and name.lower() in seen_types:
            check.fail(where, f"work type {name!r} appears twice")
        if name:
            seen_types.add(name.lower())
        active = check.flag(w.get("active"), where, "active")
        code = ebilling.activity(w.get("utbms"), where, check)
        if name is not None:
            plan.work_types.append(WorkTypePlan(name, active, code))
    plan.time_off = time_off.validate(data.get("time_off"), check, known_people)
    if data.get("rates") is not None:
        in_file = rates.Known(named.people, named.clients, set(named.codes), named.tasks)
        plan.rates = rates.validate(data["rates"], check, rates.known_in_database(conn) | in_file)
    ebilling.check_clients(conn, plan, check)
    return plan


def _workspace(raw: Any, check: Checker) -> WorkspacePlan:
    ws = check.mapping(raw, "workspace", WORKSPACE_KEYS, set())
    increment = check.increment(ws.get("billing_increment_minutes"), "workspace")
    minimum = ws.get("minimum_billable_minutes")
    if minimum is not None and (
        isinstance(minimum, bool) or not isinstance(minimum, int) or not 0 <= minimum <= 1440
    ):
        check.fail("workspace", f"minimum_billable_minutes {minimum!r} must be a whole number of minutes")
    locale = ws.get("locale")
    if locale is not None and not is_locale(locale):
        check.fail("workspace", f"locale {locale!r} is not a locale such as en_US or de_DE")
    min_length = ws.get("min_description_length")
    if min_length is not None and (
        isinstance(min_length, bool) or not isinstance(min_length, int) or not 0 <= min_length <= 500
    ):
        check.fail("workspace", f"min_description_length {min_length!r} must be a whole number 0..500")
    country, subdivision = check.region(ws.get("country"), ws.get("subdivision"), "workspace")
    return WorkspacePlan(
        min_description_length=min_length,
        rounding=check.rounding(ws.get("rounding"), "workspace"),
        minimum_billable_minutes=minimum,
        locale=locale,
        name=check.text(ws.get("name"), "workspace", "name"),
        timezone=check.timezone(ws.get("timezone"), "workspace"),
        currency=check.currency(ws.get("currency"), "workspace"),
        billing_increment_minutes=increment,
        required_fields=check.fields(ws.get("required_fields"), "workspace", "required_fields"),
        earliest_entry_date=_earliest(ws.get("earliest_entry_date"), check),
        timer_limit_minutes=_timer_limit(ws.get("timer_limit_hours"), check),
        country=country,
        subdivision=subdivision,
        forgotten_timer_minutes=_hours_setting(
            ws.get("forgotten_timer_hours"), check, "forgotten_timer_hours", low=1, high=24
        ),  # fmt: skip
        invoice_number_format=check.number_format(
            ws.get("invoice_number_format"), "workspace", "invoice_number_format"
        ),
        missing_hours_tolerance_minutes=_hours_setting(
            ws.get("missing_hours_tolerance_hours"), check, "missing_hours_tolerance_hours", low=0, high=24
        ),
    )


def _hours_setting(value: Any, check: Checker, key: str, *, low: int, high: int) -> int | None:
    hours = check.money(value, "workspace", key, places=2)
    if hours is None:
        return None
    if not low <= hours <= high:
        check.fail("workspace", f"{key} {value!r} must be from {low} to {high}")
        return None
    return int(hours * 60)


def _timer_limit(value: Any, check: Checker) -> int | None:
    hours = check.money(value, "workspace", "timer_limit_hours", places=2)
    if hours is None:
        return None
    if not 1 <= hours <= 24:
        check.fail("workspace", f"timer_limit_hours {value!r} must be from 1 to 24")
        return None
    return int(hours * 60)


def _earliest(value: Any, check: Checker) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        check.fail("workspace", f"earliest_entry_date {value!r} must be a date such as 2025-01-01")
        return None
    return value


def _person(raw: Any, where: str, check: Checker, named: _Named) -> PersonPlan | None:
    p = check.mapping(raw, where, PERSON_KEYS, {"slack_id", "name"}, "slack_id")
    slack_id = check.name(p.get("slack_id"), where, "slack_id")
    if slack_id:
        where = f"{where} ({slack_id})"
        if not SLACK_USER_ID.match(slack_id):
            check.fail(where, f"slack_id {slack_id!r} must be a Slack user id such as U0123ABCD")
        if slack_id in named.people:
            check.fail(where, f"slack_id {slack_id} appears twice")
        named.people.add(slack_id)
    role = p.get("role", "member")
    valid_role = role in {r.value for r in Role}
    if not valid_role:
        check.fail(where, f"role {role!r} must be one of member, partner, admin")
    name = check.name(p.get("name"), where, "name")
    timezone = check.timezone(p.get("timezone"), where)
    rate = check.money(p.get("rate"), where, "rate")
    schedule = _schedule(p.get("schedule"), where, check)
    active = check.flag(p.get("active"), where, "active")
    country, subdivision = check.region(p.get("country"), p.get("subdivision"), where)
    classification = ebilling.timekeeper_class(p.get("timekeeper_class"), where, check)
    if slack_id is None or name is None or not valid_role:
        return None
    return PersonPlan(slack_id, name, Role(role), timezone, rate, schedule, active, country, subdivision,
                      classification)  # fmt: skip


def _schedule(value: Any, where: str, check: Checker) -> dict[str, int] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        check.fail(where, "schedule must map weekdays (mon..sun) to hours, e.g. {mon: 8}")
        return None
    seconds: dict[str, int] = {}
    for day, hours in value.items():
        if day not in WEEKDAY_KEYS:
            check.fail(where, f"schedule day {day!r} must be one of {', '.join(WEEKDAY_KEYS)}")
            continue
        amount = check.money(hours, where, f"schedule.{day}")
        if amount is not None and amount > 24:
            check.fail(where, f"schedule.{day} is {hours} hours; a day has 24")
        elif amount is not None:
            seconds[day] = int(amount * 3600)
    return seconds


def _client(raw: Any, where: str, check: Checker, known_people: set[str], named: _Named) -> ClientPlan | None:
    c = check.mapping(raw, where, CLIENT_KEYS, {"name"}, "name")
    name = check.name(c.get("name"), where, "name")
    if name:
        where = f"{where} ({name})"
        if name.lower() in named.clients:
            check.fail(where, f"client {name!r} appears twice")
        named.clients.add(name.lower())
    # Approves the client's projects that name no approver of their own.
    approver = check.text(c.get("approver"), where, "approver")
    if approver and approver not in known_people:
        check.fail(where, f"approver {approver!r} is not a person in this file or already imported")
    currency = check.currency(c.get("currency"), where)
    billing_channel = check.channel(c.get("billing_channel"), where, "billing_channel")
    rate = check.money(c.get("rate"), where, "rate")
    increment = check.increment(c.get("billing_increment_minutes"), where)
    rounding = check.rounding(c.get("rounding"), where)
    active = check.flag(c.get("active"), where, "active")
    projects = []
    for j, raw_project in enumerate(check.seq(c.get("projects"), f"{where} projects")):
        project = _project(raw_project, f"{where} projects[{j}]", check, known_people, named)
        if project is not None:
            projects.append(project)
    if name is None:
        return None
    billing = invoicing.client(c, where, check) | ebilling.client(c, where, check)
    return ClientPlan(name, approver, currency, billing_channel, rate, increment, rounding, active, projects,
                      billing)  # fmt: skip


def _project(
    raw: Any, where: str, check: Checker, known_people: set[str], named: _Named
) -> ProjectPlan | None:
    p = check.mapping(raw, where, PROJECT_KEYS, {"name", "code"}, "code")
    code = check.name(p.get("code"), where, "code")
    name = check.name(p.get("name"), where, "name")
    if code:
        where = f"{where} ({code})"
        if any(ch.isspace() for ch in code):
            check.fail(where, f"code {code!r} must be one word (no spaces)")
        if code.lower() in named.codes:
            check.fail(where, f"duplicate project code {code!r} (also used by {named.codes[code.lower()]})")
        else:
            named.codes[code.lower()] = name or code
    billing = p.get("billing", "hourly")
    valid_billing = billing in {b.value for b in BillingType}
    if not valid_billing:
        check.fail(where, f"billing {billing!r} must be one of hourly, fixed_fee, retainer, non_billable")
    approver = check.text(p.get("approver"), where, "approver")
    if approver and approver not in known_people:
        check.fail(where, f"approver {approver!r} is not a person in this file or already imported")
    fee = check.money(p.get("fee"), where, "fee")
    if fee is not None and billing not in (BillingType.FIXED_FEE.value, BillingType.RETAINER.value):
        check.fail(where, "fee is for billing: fixed_fee projects (the fee) and retainer (the fee per month)")
    if billing == BillingType.RETAINER.value and fee is None:
        check.fail(where, "a retainer needs its fee per month: fee: 5000")
    if p.get("milestones") is not None and billing != BillingType.FIXED_FEE.value:
        check.fail(where, "milestones are for billing: fixed_fee projects")
    included_hours = check.hours(p.get("included_hours"), where, "included_hours")
    if included_hours is not None and billing != BillingType.RETAINER.value:
        check.fail(where, "included_hours is for billing: retainer projects")
    milestones = _milestones(p.get("milestones"), where, check, fee)
    tasks = []
    seen_tasks: set[str] = set()
    for k, raw_task in enumerate(check.seq(p.get("tasks"), f"{where} tasks")):
        task = _task(raw_task, f"{where} tasks[{k}]", check, seen_tasks)
        if task is not None:
            tasks.append(task)
            if code:
                named.tasks.add((code.lower(), task.name.lower()))
    alert_channel = check.channel(p.get("alert_channel"), where, "alert_channel")
    budget_hours = check.hours(p.get("budget_hours"), where, "budget_hours")
    budget_amount = check.money(p.get("budget_amount"), where, "budget_amount")
    rate = check.money(p.get("rate"), where, "rate")
    required_fields = check.fields(p.get("required_fields"), where, "required_fields")
    active = check.flag(p.get("active"), where, "active")
    period = p.get("budget_period")
    if period is not None and period not in BUDGET_PERIODS:
        check.fail(where, f"budget_period {period!r} must be total or monthly")
        period = None
    thresholds = _thresholds(p.get("alert_thresholds"), where, check)
    matter = check.text(p.get("client_matter_id"), where, "client_matter_id", limit=20)
    if code is None or name is None or not valid_billing:
        return None
    return ProjectPlan(
        code, name, BillingType(billing), approver, alert_channel, budget_hours, budget_amount, rate,
        required_fields, fee, milestones, active, tasks, period, thresholds, included_hours, matter,
    )  # fmt: skip


BUDGET_PERIODS = ("total", "monthly")


def _thresholds(value: Any, where: str, check: Checker) -> list[int] | None:
    """Percent of a budget, each 1..1000, e.g. [50, 80, 100]."""
    if value is None:
        return None
    found: list[int] = []
    for item in check.seq(value, f"{where} alert_thresholds"):
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 1000:
            check.fail(where, f"alert_thresholds entry {item!r} must be a whole percent from 1 to 1000")
        elif item not in found:
            found.append(item)
    return sorted(found) or None


def _task(raw: Any, where: str, check: Checker, seen: set[str]) -> TaskPlan | None:
    """``seen``: the lower-cased names of the project's tasks so far."""
    t = check.mapping(raw, where, TASK_KEYS, {"name"}, "name")
    name = check.name(t.get("name"), where, "name")
    if name and name.lower() in seen:
        check.fail(where, f"task {name!r} appears twice")
    if name:
        seen.add(name.lower())
    rate = check.money(t.get("rate"), where, "rate")
    budget_hours = check.hours(t.get("budget_hours"), where, "budget_hours")
    budget_amount = check.money(t.get("budget_amount"), where, "budget_amount")
    billable = check.flag(t.get("billable"), where, "billable")
    active = check.flag(t.get("active"), where, "active")
    code = ebilling.task(t.get("utbms"), where, check)
    return None if name is None else TaskPlan(name, rate, budget_hours, budget_amount, billable, active, code)


def _milestones(value: Any, where: str, check: Checker, fee: Any) -> list[dict[str, str]] | None:
    """Milestones of a fixed fee: each a name, an amount and an optional due date."""
    if value is None:
        return None
    if fee is None:
        check.fail(where, "milestones need a fee")
    found: list[dict[str, str]] = []
    total = Decimal(0)
    for i, raw in enumerate(check.seq(value, f"{where} milestones")):
        mwhere = f"{where} milestones[{i}]"
        m = check.mapping(raw, mwhere, MILESTONE_KEYS, {"name", "amount"}, "name")
        name = check.text(m.get("name"), mwhere, "name")
        amount = check.money(m.get("amount"), mwhere, "amount")
        due = m.get("due")
        if due is not None and (isinstance(due, datetime) or not isinstance(due, date)):
            check.fail(mwhere, f"due {due!r} must be a date such as 2026-12-31")
            due = None
        if name and amount is not None:
            total += amount
            found.append({"name": name, "amount": str(amount), "due": due.isoformat() if due else ""})
    if fee is not None and total > fee:
        check.fail(where, f"milestones add up to {total}, more than the fee {fee}")
    return found
