"""``punchcard import``: idempotent upsert of the firm's set-up from YAML, all or nothing.

Everything is validated before anything is written, and every problem is reported with the
entry it is in, so a billing coordinator can fix the file in one pass.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.services import rate_import
from bot.services.clock import WEEKDAY_KEYS, is_timezone
from bot.services.entries.rules import REQUIRABLE as FIELDS
from bot.services.pricing import is_currency
from storage import queries
from storage.models import BillingType, Client, Person, Project, Role, Task, WorkType

TOP_KEYS = {"workspace", "people", "clients", "work_types", "rates"}
WORKSPACE_KEYS = {
    "name", "timezone", "currency", "billing_increment_minutes", "required_fields", "min_description_length",
    "rounding", "minimum_billable_minutes", "locale",
}  # fmt: skip
ROUNDINGS = ("up", "nearest", "down")
PERSON_KEYS = {"slack_id", "name", "role", "timezone", "rate", "schedule", "active"}
CLIENT_KEYS = {
    "name", "currency", "billing_channel", "rate", "active", "projects",
    "billing_increment_minutes", "rounding", "approver",
}  # fmt: skip
# What a re-import updates on an existing client.
CLIENT_FIELDS = [
    "currency", "billing_channel", "rate", "billing_increment_minutes", "rounding", "approver_id", "active",
]  # fmt: skip
PROJECT_KEYS = {
    "name",
    "code",
    "billing",
    "approver",
    "alert_channel",
    "budget_hours",
    "budget_amount",
    "rate",
    "required_fields",
    "active",
    "tasks",
    "fee",
    "milestones",
}
MILESTONE_KEYS = {"name", "amount", "due"}
TASK_KEYS = {"name", "rate", "budget_hours", "budget_amount", "billable", "active"}
WORK_TYPE_KEYS = {"name", "active"}

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_ERRORS = 25


class ImportError_(UserError):
    """The file was refused; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        shown = errors[:MAX_ERRORS]
        more = f"\n…and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        super().__init__("Nothing was imported:\n" + "\n".join(f"- {e}" for e in shown) + more)
        self.errors = errors


@dataclass
class ImportSummary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    def describe(self) -> str:
        kinds = ["workspace", "people", "clients", "projects", "tasks", "work_types", "rates"]
        parts = [
            f"{k}: {self.created[k]} created, {self.updated[k]} updated"
            for k in kinds
            if self.created[k] or self.updated[k]
        ]
        if not parts:
            return "Nothing changed: the database already matches the file."
        return "Imported. " + "; ".join(parts) + "."


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def mapping(
        self, value: Any, where: str, allowed: set[str], required: set[str], name_key: str | None = None
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping with keys {sorted(required)}, got {_kind(value)}")
            return {}
        if (
            name_key
            and isinstance(value.get(name_key), (str, int))
            and not isinstance(value.get(name_key), bool)
        ):
            where = f"{where} ({value[name_key]})"
        for key in value:
            if key not in allowed:
                self.fail(where, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        for key in sorted(required):
            if value.get(key) in (None, ""):
                self.fail(where, f"missing required key {key!r}")
        return value

    def seq(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, f"expected a list, got {_kind(value)}")
            return []
        return value

    def text(self, value: Any, where: str, key: str, *, required: bool = False) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.fail(where, f"{key} must be text, got {_kind(value)}")
            return None
        text = str(value).strip()
        if required and not text:
            self.fail(where, f"{key} must not be empty")
        return text or None

    def money(self, value: Any, where: str, key: str) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, bool):
            self.fail(where, f"{key} must be a number, got {value!r}")
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.fail(where, f"{key} must be a number, got {value!r}")
            return None
        if not amount.is_finite() or amount < 0:
            self.fail(where, f"{key} must be zero or more, got {value!r}")
            return None
        if amount.as_tuple().exponent < -4:  # type: ignore[operator]
            self.fail(where, f"{key} has more than 4 decimals: {value!r}")
            return None
        return amount

    def increment(self, value: Any, where: str) -> int | None:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value <= 0 or 60 % value
        ):
            self.fail(where, f"billing_increment_minutes {value!r} must divide 60 (1, 6, 15, …)")
            return None
        return value

    def rounding(self, value: Any, where: str) -> str | None:
        if value is not None and value not in ROUNDINGS:
            self.fail(where, f"rounding {value!r} must be one of up, nearest, down")
            return None
        return value

    def flag(self, value: Any, where: str, key: str) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(where, f"{key} must be true or false, got {value!r}")
            return None
        return value

    def timezone(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not is_timezone(value):
            self.fail(where, f"timezone {value!r} is not an IANA timezone such as Europe/Berlin")
            return None
        return value

    def currency(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not CURRENCY.match(value) or not is_currency(value):
            self.fail(where, f"currency {value!r} must be a 3-letter ISO 4217 code such as USD")
            return None
        return value

    def channel(self, value: Any, where: str, key: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not SLACK_CHANNEL_ID.match(value):
            self.fail(where, f"{key} {value!r} must be a Slack channel id such as C0123ABCD")
            return None
        return value

    def fields(self, value: Any, where: str, key: str) -> list[str] | None:
        if value is None:
            return None
        items = self.seq(value, f"{where} {key}")
        for item in items:
            if item not in FIELDS:
                self.fail(where, f"{key} entry {item!r} is not one of {', '.join(FIELDS)}")
        return [str(i) for i in items]


def _kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "a mapping", list: "a list", str: "text"}
    return kinds.get(type(value), repr(value))


def load(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ImportError_([f"the file is not valid YAML{where}: {problem}"]) from None
    if data is None:
        raise ImportError_(["the file is empty"])
    if not isinstance(data, dict):
        raise ImportError_([f"the top level must be a mapping with keys {sorted(TOP_KEYS)}"])
    return data


def import_yaml(session: Session, text: str, *, now: datetime) -> ImportSummary:
    """Validate the whole file, then upsert it. Raises :class:`ImportError_` listing problems."""
    data = load(text)
    check = _Checker()
    plan = _validate(session, data, check)
    if check.errors:
        raise ImportError_(check.errors)
    return _apply(session, plan, now=now)


@dataclass
class _Plan:
    workspace: dict[str, Any] | None = None
    people: list[dict[str, Any]] = field(default_factory=list)
    clients: list[dict[str, Any]] = field(default_factory=list)
    work_types: list[dict[str, Any]] = field(default_factory=list)
    rates: list[rate_import.RatePlan] = field(default_factory=list)


def _validate(session: Session, data: dict[str, Any], check: _Checker) -> _Plan:
    plan = _Plan()
    for key in data:
        if key not in TOP_KEYS:
            check.fail("top level", f"unknown key {key!r} (allowed: {', '.join(sorted(TOP_KEYS))})")

    if data.get("workspace") is not None:
        ws = check.mapping(data["workspace"], "workspace", WORKSPACE_KEYS, set())
        increment = check.increment(ws.get("billing_increment_minutes"), "workspace")
        minimum = ws.get("minimum_billable_minutes")
        if minimum is not None and (
            isinstance(minimum, bool) or not isinstance(minimum, int) or not 0 <= minimum <= 1440
        ):
            check.fail("workspace", f"minimum_billable_minutes {minimum!r} must be a whole number of minutes")
        locale = ws.get("locale")
        if locale is not None and not _is_locale(locale):
            check.fail("workspace", f"locale {locale!r} is not a locale such as en_US or de_DE")
        min_length = ws.get("min_description_length")
        if min_length is not None and (
            isinstance(min_length, bool) or not isinstance(min_length, int) or not 0 <= min_length <= 500
        ):
            check.fail("workspace", f"min_description_length {min_length!r} must be a whole number 0..500")
        plan.workspace = {
            "min_description_length": min_length,
            "rounding": check.rounding(ws.get("rounding"), "workspace"),
            "minimum_billable_minutes": minimum,
            "locale": locale,
            "name": check.text(ws.get("name"), "workspace", "name"),
            "timezone": check.timezone(ws.get("timezone"), "workspace"),
            "currency": check.currency(ws.get("currency"), "workspace"),
            "billing_increment_minutes": increment,
            "required_fields": check.fields(ws.get("required_fields"), "workspace", "required_fields"),
        }

    seen_people: set[str] = set()
    for i, raw in enumerate(check.seq(data.get("people"), "people")):
        where = f"people[{i}]"
        p = check.mapping(raw, where, PERSON_KEYS, {"slack_id", "name"}, "slack_id")
        slack_id = check.text(p.get("slack_id"), where, "slack_id")
        if slack_id:
            where = f"people[{i}] ({slack_id})"
            if not SLACK_USER_ID.match(slack_id):
                check.fail(where, f"slack_id {slack_id!r} must be a Slack user id such as U0123ABCD")
            if slack_id in seen_people:
                check.fail(where, f"slack_id {slack_id} appears twice")
            seen_people.add(slack_id)
        role = p.get("role", "member")
        if role not in {r.value for r in Role}:
            check.fail(where, f"role {role!r} must be one of member, partner, admin")
        plan.people.append(
            {
                "slack_id": slack_id,
                "name": check.text(p.get("name"), where, "name"),
                "role": role,
                "timezone": check.timezone(p.get("timezone"), where),
                "rate": check.money(p.get("rate"), where, "rate"),
                "schedule": _schedule(p.get("schedule"), where, check),
                "active": check.flag(p.get("active"), where, "active"),
            }
        )

    known_people = seen_people | {sid for (sid,) in session.execute(select(Person.slack_id))}
    seen_clients: set[str] = set()
    codes: dict[str, str] = {}
    for i, raw in enumerate(check.seq(data.get("clients"), "clients")):
        where = f"clients[{i}]"
        c = check.mapping(raw, where, CLIENT_KEYS, {"name"}, "name")
        name = check.text(c.get("name"), where, "name")
        if name:
            where = f"clients[{i}] ({name})"
            if name.lower() in seen_clients:
                check.fail(where, f"client {name!r} appears twice")
            seen_clients.add(name.lower())
        projects: list[dict[str, Any]] = []
        # Approves the client's projects that name no approver of their own.
        approver = check.text(c.get("approver"), where, "approver")
        if approver and approver not in known_people:
            check.fail(where, f"approver {approver!r} is not a person in this file or already imported")
        client: dict[str, Any] = {
            "name": name,
            "approver": approver,
            "currency": check.currency(c.get("currency"), where),
            "billing_channel": check.channel(c.get("billing_channel"), where, "billing_channel"),
            "rate": check.money(c.get("rate"), where, "rate"),
            "billing_increment_minutes": check.increment(c.get("billing_increment_minutes"), where),
            "rounding": check.rounding(c.get("rounding"), where),
            "active": check.flag(c.get("active"), where, "active"),
            "projects": projects,
        }
        for j, raw_project in enumerate(check.seq(c.get("projects"), f"{where} projects")):
            projects.append(_project(raw_project, f"{where} projects[{j}]", check, known_people, codes))
        plan.clients.append(client)

    seen_types: set[str] = set()
    for i, raw in enumerate(check.seq(data.get("work_types"), "work_types")):
        where = f"work_types[{i}]"
        item = raw if isinstance(raw, dict) else {"name": raw}
        w = check.mapping(item, where, WORK_TYPE_KEYS, {"name"}, "name")
        name = check.text(w.get("name"), where, "name")
        if name and name.lower() in seen_types:
            check.fail(where, f"work type {name!r} appears twice")
        if name:
            seen_types.add(name.lower())
        plan.work_types.append({"name": name, "active": check.flag(w.get("active"), where, "active")})

    if data.get("rates") is not None:
        in_db = rate_import.known_in_database(session)
        file_tasks = {
            (p["code"].lower(), t["name"].lower())
            for c in plan.clients for p in c["projects"] if p["code"] for t in p["tasks"] if t["name"]
        }  # fmt: skip
        known = rate_import.Known(
            people=in_db.people | seen_people,
            clients=in_db.clients | seen_clients,
            projects=in_db.projects | set(codes),
            tasks=in_db.tasks | file_tasks,
        )
        plan.rates = rate_import.validate(data.get("rates"), check, known)
    return plan


def _schedule(value: Any, where: str, check: _Checker) -> dict[str, int] | None:
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


def _project(
    raw: Any, where: str, check: _Checker, known_people: set[str], codes: dict[str, str]
) -> dict[str, Any]:
    p = check.mapping(raw, where, PROJECT_KEYS, {"name", "code"}, "code")
    code = check.text(p.get("code"), where, "code")
    name = check.text(p.get("name"), where, "name")
    if code:
        where = f"{where} ({code})"
        if any(ch.isspace() for ch in code):
            check.fail(where, f"code {code!r} must be one word (no spaces)")
        if code.lower() in codes:
            check.fail(where, f"duplicate project code {code!r} (also used by {codes[code.lower()]})")
        else:
            codes[code.lower()] = name or code
    billing = p.get("billing", "hourly")
    if billing not in {b.value for b in BillingType}:
        check.fail(where, f"billing {billing!r} must be one of hourly, fixed_fee, non_billable")
    approver = check.text(p.get("approver"), where, "approver")
    if approver and approver not in known_people:
        check.fail(where, f"approver {approver!r} is not a person in this file or already imported")
    fee = check.money(p.get("fee"), where, "fee")
    if fee is not None and billing != BillingType.FIXED_FEE.value:
        check.fail(where, "fee is for billing: fixed_fee projects")
    milestones = _milestones(p.get("milestones"), where, check, fee)
    tasks = []
    seen_tasks: set[str] = set()
    for k, raw_task in enumerate(check.seq(p.get("tasks"), f"{where} tasks")):
        twhere = f"{where} tasks[{k}]"
        t = check.mapping(raw_task, twhere, TASK_KEYS, {"name"}, "name")
        tname = check.text(t.get("name"), twhere, "name")
        if tname and tname.lower() in seen_tasks:
            check.fail(twhere, f"task {tname!r} appears twice")
        if tname:
            seen_tasks.add(tname.lower())
        tasks.append(
            {
                "name": tname,
                "rate": check.money(t.get("rate"), twhere, "rate"),
                "budget_hours": check.money(t.get("budget_hours"), twhere, "budget_hours"),
                "budget_amount": check.money(t.get("budget_amount"), twhere, "budget_amount"),
                "billable": check.flag(t.get("billable"), twhere, "billable"),
                "active": check.flag(t.get("active"), twhere, "active"),
            }
        )
    return {
        "name": name,
        "code": code,
        "billing_type": billing,
        "approver": approver,
        "alert_channel": check.channel(p.get("alert_channel"), where, "alert_channel"),
        "budget_hours": check.money(p.get("budget_hours"), where, "budget_hours"),
        "budget_amount": check.money(p.get("budget_amount"), where, "budget_amount"),
        "rate": check.money(p.get("rate"), where, "rate"),
        "required_fields": check.fields(p.get("required_fields"), where, "required_fields"),
        "fee": fee,
        "milestones": milestones,
        "active": check.flag(p.get("active"), where, "active"),
        "tasks": tasks,
    }


def _milestones(value: Any, where: str, check: _Checker, fee: Any) -> list[dict[str, str]] | None:
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


def _set(obj: Any, values: dict[str, Any], keys: list[str]) -> bool:
    """Assign the given (non-None) values; True when anything changed."""
    changed = False
    for key in keys:
        value = values.get(key)
        if value is not None and getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _apply(session: Session, plan: _Plan, *, now: datetime) -> ImportSummary:
    summary = ImportSummary()
    stamp = {"created_at": now, "updated_at": now}
    if plan.workspace is not None:
        ws = queries.workspace(session)
        if _set(ws, plan.workspace, list(plan.workspace)):
            ws.updated_at = now
            summary.updated["workspace"] += 1

    people = queries.people_by_slack_ids(session, [p["slack_id"] for p in plan.people])
    for p in plan.people:
        person = people.get(p["slack_id"])
        values = {**p, "role": Role(p["role"])}
        if p["timezone"] is not None:
            values["timezone_from_import"] = True
        if person is None:
            person = Person(
                slack_id=p["slack_id"],
                name=p["name"],
                role=values["role"],
                timezone=p["timezone"] or queries.workspace(session).timezone,
                timezone_from_import=p["timezone"] is not None,
                schedule=p["schedule"] or {},
                rate=p["rate"],
                active=True if p["active"] is None else p["active"],
                **stamp,
            )
            session.add(person)
            summary.created["people"] += 1
        elif _set(
            person, values, ["name", "role", "timezone", "timezone_from_import", "rate", "schedule", "active"]
        ):
            person.updated_at = now
            summary.updated["people"] += 1
    session.flush()

    person_ids = {sid: pid for sid, pid in session.execute(select(Person.slack_id, Person.id))}
    clients = {c.name.lower(): c for c in session.scalars(select(Client))}
    projects = {p.code.lower(): p for p in session.scalars(select(Project))}
    for c in plan.clients:
        client = clients.get(c["name"].lower())
        c = {**c, "approver_id": person_ids.get(c["approver"]) if c["approver"] else None}
        if client is None:
            client = Client(
                name=c["name"],
                approver_id=c["approver_id"],
                currency=c["currency"],
                billing_channel=c["billing_channel"],
                rate=c["rate"],
                billing_increment_minutes=c["billing_increment_minutes"],
                rounding=c["rounding"],
                active=True if c["active"] is None else c["active"],
                **stamp,
            )
            session.add(client)
            session.flush()
            summary.created["clients"] += 1
        elif _set(client, c, CLIENT_FIELDS):
            client.updated_at = now
            summary.updated["clients"] += 1
        for p in c["projects"]:
            values = {
                **p,
                "client_id": client.id,
                "billing_type": BillingType(p["billing_type"]),
                "approver_id": person_ids.get(p["approver"]) if p["approver"] else None,
            }
            project = projects.get(p["code"].lower())
            keys = [
                "name",
                "client_id",
                "billing_type",
                "approver_id",
                "alert_channel",
                "budget_hours",
                "budget_amount",
                "rate",
                "required_fields",
                "fee",
                "milestones",
                "active",
            ]
            if project is None:
                project = Project(
                    code=p["code"],
                    **{k: values[k] for k in keys if k != "active"},
                    active=True if p["active"] is None else p["active"],
                    **stamp,
                )
                session.add(project)
                session.flush()
                summary.created["projects"] += 1
            elif _set(project, values, keys):
                project.updated_at = now
                summary.updated["projects"] += 1
            existing = {
                t.name.lower(): t for t in session.scalars(select(Task).where(Task.project_id == project.id))
            }
            for t in p["tasks"]:
                task = existing.get(t["name"].lower())
                if task is None:
                    session.add(
                        Task(
                            project_id=project.id,
                            name=t["name"],
                            rate=t["rate"],
                            budget_hours=t["budget_hours"],
                            budget_amount=t["budget_amount"],
                            billable=t["billable"],
                            active=True if t["active"] is None else t["active"],
                            **stamp,
                        )
                    )
                    summary.created["tasks"] += 1
                elif _set(task, t, ["rate", "budget_hours", "budget_amount", "billable", "active"]):
                    task.updated_at = now
                    summary.updated["tasks"] += 1

    types = {w.name.lower(): w for w in session.scalars(select(WorkType))}
    for w in plan.work_types:
        work_type = types.get(w["name"].lower())
        if work_type is None:
            session.add(
                WorkType(name=w["name"], active=True if w["active"] is None else w["active"], **stamp)
            )
            summary.created["work_types"] += 1
        elif _set(work_type, w, ["active"]):
            work_type.updated_at = now
            summary.updated["work_types"] += 1
    session.flush()
    summary.created["rates"], summary.updated["rates"] = rate_import.apply(session, plan.rates, now=now)
    if any(summary.created[k] or summary.updated[k] for k in ("clients", "projects", "tasks")):
        queries.workspace(session).catalog_version += 1
    session.flush()
    return summary


def _is_locale(value: Any) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return isinstance(value, str)
