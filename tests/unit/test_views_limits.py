"""Every message /track builds stays within Block Kit limits, however much data there is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from bot.services import reports
from bot.services.timers import Running, SavedEntry, Started
from bot.services.track import HelpResult, Logged, StatusResult
from bot.views import track as views
from bot.views.blocks import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from storage.models import BillingType, EntrySource, EntryStatus, Role
from storage.rows import EntryRow, PersonRow, ProjectRow, TaskRow, TimerRow

NOW = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
LONG = "x" * 4000


def check_message(message: dict[str, Any]) -> None:
    assert message["text"] and len(message["text"]) <= 4000
    blocks = message.get("blocks", [])
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None
        block.validate_json()  # slack_sdk raises on any length or count violation
        text = raw.get("text", {}).get("text", "")
        assert len(text) <= MAX_SECTION_TEXT


def person() -> PersonRow:
    return PersonRow(1, "U1", "P", Role.MEMBER, "Europe/Berlin", False, {"mon": 28800})


def project(name: str = "Website Redesign") -> ProjectRow:
    return ProjectRow(1, "ACME-WEB", name, BillingType.HOURLY, None)


def entry(i: int, description: str = "wireframes") -> EntryRow:
    return EntryRow(
        id=i, person_id=1, project_id=1, task_id=None, work_type_id=None,
        date=date(2026, 11, 16) + timedelta(days=i % 7), started_at=None, ended_at=None,
        duration_seconds=3600 + i, description=description, billable=i % 2 == 0,
        status=EntryStatus.DRAFT, source=EntrySource.MANUAL,
    )  # fmt: skip


def timer(description: str, billable: bool) -> TimerRow:
    return TimerRow(1, 1, 1, None, None, description, billable, NOW)


def test_week_with_hundreds_of_long_entries_fits_one_message() -> None:
    lines = [
        reports.EntryLine(entry(i, LONG if i % 3 else "<b>&"), project(LONG[:200]), None) for i in range(700)
    ]
    period = reports.Period(
        label="week",
        first=date(2026, 11, 16),
        last=date(2026, 11, 22),
        lines=lines,
        total_seconds=sum(ln.entry.duration_seconds for ln in lines),
        billable_seconds=0,
        scheduled_seconds=28800,
        running=Running(timer(LONG, True), project(), None, 60),
    )
    message = views.period(person(), period)
    check_message(message)
    assert "more entries" in str(message["blocks"])


def test_every_answer_fits_with_extreme_text() -> None:
    p, t = project(LONG), TaskRow(1, LONG, None)
    e = entry(1, LONG)
    running_timer = timer(LONG, False)
    saved = SavedEntry(entry=e, project=p, task=t, missing=["description", "work_type", "task"])
    for result in (
        Started(timer=running_timer, project=p, task=t, saved=saved),
        saved,
        Logged(entry=e, project=p, task=t),
        StatusResult(running=Running(running_timer, p, t, 5), today_seconds=100),
        StatusResult(running=None, today_seconds=0),
        HelpResult(),
    ):
        check_message(views.render(person(), result))
    check_message(views.error(LONG))


def test_user_text_cannot_mention_or_link() -> None:
    message = views.logged(
        Logged(entry=entry(1, "<!channel> <https://evil|x>"), project=project(), task=None)
    )
    assert "<!channel>" not in message["text"] and "&lt;!channel&gt;" in message["text"]


def check_modal(view: dict[str, Any]) -> None:
    from slack_sdk.models.views import View

    View(**view).validate_json()  # title <= 24, blocks <= 100, metadata <= 3000, elements...
    assert len(view["blocks"]) <= 100
    for raw in view["blocks"]:
        element = raw.get("element") or raw.get("accessory") or {}
        assert len(element.get("options", [])) <= 100
        for option in element.get("options", []):
            assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150
        placeholder = element.get("placeholder", {}).get("text", "")
        assert len(placeholder) <= 150


def test_modals_fit_with_many_tasks_and_work_types_and_long_text() -> None:
    from bot.views import entry_modal as modals
    from storage.rows import WorkTypeRow

    tasks = [TaskRow(i, f"Task {i} " + "x" * 200, None) for i in range(1, 180)]
    work_types = [WorkTypeRow(i, f"Type {i} " + "y" * 200) for i in range(1, 180)]
    defaults = modals.EntryDefaults(
        day=date(2026, 11, 17), project=project(LONG), task_id=150, tasks=tasks, duration="1h30m",
        start_time="09:00", end_time="10:30", description=LONG, work_type_id=3, billable=True,
    )  # fmt: skip
    for view in (
        modals.entry_modal(defaults, work_types, metadata="m" * 500, editing=True),
        modals.entry_modal(modals.EntryDefaults(day=date(2026, 11, 17)), [], metadata="m", editing=False),
        modals.start_modal(defaults, metadata="m"),
        modals.delete_modal(entry(1, LONG), project(LONG), metadata="m"),
        modals.done_modal("A title far longer than twenty-four", LONG),
    ):
        check_modal(view)
