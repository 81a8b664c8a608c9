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
from storage.models import BillingType, Person, Project, Role, RunningTimer, Task, TimeEntry

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


def person() -> Person:
    return Person(
        id=1, slack_id="U1", name="P", role=Role.MEMBER, timezone="Europe/Berlin", schedule={"mon": 28800}
    )


def project(name: str = "Website Redesign") -> Project:
    return Project(id=1, client_id=1, name=name, code="ACME-WEB", billing_type=BillingType.HOURLY)


def entry(i: int, description: str = "wireframes") -> TimeEntry:
    return TimeEntry(
        id=i,
        person_id=1,
        project_id=1,
        date=date(2026, 11, 16) + timedelta(days=i % 7),
        duration_seconds=3600 + i,
        description=description,
        billable=i % 2 == 0,
    )


def test_week_with_hundreds_of_long_entries_fits_one_message() -> None:
    lines = [
        reports.EntryLine(entry(i, LONG if i % 3 else "<b>&"), project(LONG[:200]), None) for i in range(700)
    ]
    timer = RunningTimer(person_id=1, project_id=1, description=LONG, billable=True, started_at=NOW)
    period = reports.Period(
        label="week",
        first=date(2026, 11, 16),
        last=date(2026, 11, 22),
        lines=lines,
        total_seconds=sum(ln.entry.duration_seconds for ln in lines),
        billable_seconds=0,
        scheduled_seconds=28800,
        running=Running(timer, project(), None, 60),
    )
    message = views.period(person(), period)
    check_message(message)
    assert "more entries" in str(message["blocks"])


def test_every_answer_fits_with_extreme_text() -> None:
    p, t = project(LONG), Task(id=1, project_id=1, name=LONG)
    e = entry(1, LONG)
    timer = RunningTimer(person_id=1, project_id=1, description=LONG, billable=False, started_at=NOW)
    saved = SavedEntry(entry=e, project=p, task=t, missing=["description", "work_type", "task"])
    for result in (
        Started(timer=timer, project=p, task=t, saved=saved),
        saved,
        Logged(entry=e, project=p, task=t),
        StatusResult(running=Running(timer, p, t, 5), today_seconds=100),
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
