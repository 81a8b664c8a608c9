"""Every message /track builds stays within Block Kit limits, however much data there is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from bot.services import reports
from bot.services.entries import Rule, Saved, Violation
from bot.services.timers import Running, Started
from bot.services.track import HelpResult, Logged, StatusResult, Stopped
from bot.views import track as views
from bot.views.blocks import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from storage.catalog import ProjectRow, TaskRow
from storage.entries import EntryRow
from storage.models import BillingType, EntrySource, EntryStatus, Role
from storage.people import PersonRow
from storage.timers import TimerRow

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
    missing = [
        Violation(f, Rule.REQUIRED, {"code": LONG, "fields": [f]})
        for f in ("description", "work_type", "task")
    ]
    saved = Saved(entry=e, project=p, task=t, pending=missing)
    for result in (
        Started(timer=running_timer, project=p, task=t, saved=saved),
        Stopped(saved),
        Logged(Saved(entry=e, project=p, task=t)),
        StatusResult(running=Running(running_timer, p, t, 5), today_seconds=100),
        StatusResult(running=None, today_seconds=0),
        HelpResult(),
    ):
        check_message(views.render(person(), result))
    check_message(views.error(LONG))


def test_user_text_cannot_mention_or_link() -> None:
    message = views.logged(
        Logged(Saved(entry=entry(1, "<!channel> <https://evil|x>"), project=project(), task=None))
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
    from storage.catalog import WorkTypeRow

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


def home_data(lines: int, role: Role = Role.ADMIN) -> Any:
    from bot.services.home_tab import ClientUnbilled, HomeData, RecentWork

    week_lines = [
        reports.EntryLine(entry(i, LONG), project(LONG[:150]), TaskRow(1, LONG[:200], None))
        for i in range(lines)
    ]
    today = [ln for ln in week_lines if ln.entry.date == date(2026, 11, 17)]

    def period(label: str, chosen: list[reports.EntryLine]) -> reports.Period:
        return reports.Period(
            label, date(2026, 11, 16), date(2026, 11, 22), chosen, 3600 * len(chosen), 0, 144000, None
        )

    return HomeData(
        person=PersonRow(1, "U1", "P", role, "Europe/Berlin", False, {}),
        running=Running(timer(LONG, True), project(LONG), TaskRow(2, LONG, None), 60),
        recent=[RecentWork(project(LONG), TaskRow(i, LONG, None), LONG) for i in range(5)],
        today=period("today", today),
        week=period("week", week_lines),
        approvals_waiting=12,
        unbilled=[ClientUnbilled(f"Client {i} " + LONG[:300], 3600 * i) for i in range(40)],
    )


def test_home_tab_fits_and_pages_through_a_long_week() -> None:
    from slack_sdk.models.views import View

    from bot.views.home_tab import home_view

    data = home_data(300)
    first = home_view(data, now=NOW)
    pages = 1
    for raw in (first,):
        View(**raw).validate_json()
    nav = [
        b
        for b in first["blocks"]
        if b["type"] == "actions" and b["elements"][0]["action_id"].startswith("home_page")
    ]
    assert nav and nav[0]["elements"][-1]["text"]["text"] == "Older ›"
    page = 1
    while True:
        view = home_view(data, now=NOW, page=page)
        View(**view).validate_json()
        assert len(view["blocks"]) <= 100
        for block in view["blocks"]:
            if block["type"] == "actions":
                assert len(block["elements"]) <= 25
                action_ids = [e["action_id"] for e in block["elements"]]
                assert len(action_ids) == len(set(action_ids)), "Slack refuses repeated action ids in a block"
                for element in block["elements"]:
                    assert len(element["text"]["text"]) <= 75 and len(element.get("value", "")) <= 2000
        pages += 1
        if "Older ›" not in str(view["blocks"]):
            break
        page += 1
    assert pages > 2


def test_home_shows_approvals_to_partners_and_unbilled_to_admins_only() -> None:
    from bot.views.home_tab import home_view

    admin = str(home_view(home_data(3, Role.ADMIN), now=NOW))
    assert "waiting for your approval" in admin and "Unbilled hours" in admin
    member_data = home_data(3, Role.MEMBER)
    from dataclasses import replace

    member = str(home_view(replace(member_data, approvals_waiting=None, unbilled=None), now=NOW))
    assert "waiting for your approval" not in member and "Unbilled hours" not in member


def overview_of(n: int, status: Any = None) -> Any:
    """A submission of ``n`` long entries: a third approved, a third sent back (long reasons)."""
    from bot.services.approvals import Line, Overview
    from storage.models import SubmissionStatus

    outcomes = [EntryStatus.SUBMITTED, EntryStatus.APPROVED, EntryStatus.REJECTED]
    lines = [
        Line(i, date(2026, 11, 16) + timedelta(days=i % 7), 3600 + i, "ACME-" + "W" * 60, LONG,
             outcomes[i % 3], None if i % 3 == 0 else "U2", None if i % 3 == 0 else NOW, LONG if i % 3 == 2 else "")
        for i in range(n)
    ]  # fmt: skip
    return Overview(7, "U1", "Max " + LONG[:100], 2, date(2026, 11, 16), date(2026, 11, 22),
                    status or SubmissionStatus.PENDING, "U2", NOW, LONG, lines)  # fmt: skip


def test_approval_messages_fit_with_500_entries() -> None:
    from bot.services.approvals import Decision, EntryDecided, HeldBack, Sent, SubmitResult
    from bot.views import approval
    from storage.models import SubmissionStatus

    person = PersonRow(2, "U2", "Ada " + LONG[:100], Role.PARTNER, "UTC", False, {})
    entries = [entry(i, LONG) for i in range(500)]
    missing = [Violation(f, Rule.REQUIRED, {"code": "ACME", "fields": [f]}) for f in ("description", "task")]
    sent = Sent(7, person, entries)
    for status in SubmissionStatus:
        for n in (1, 40, 41, 500):
            dm = approval.approval_request(overview_of(n, status))
            check_message(dm)
            ids_per_block = [
                [e["action_id"] for e in b["elements"]] for b in dm["blocks"] if b["type"] == "actions"
            ]
            assert all(len(set(a)) == len(a) for a in ids_per_block)
            assert ("view_all_entries" in str(ids_per_block)) == (n > 40)
    check_message(approval.submitted(SubmitResult(date(2026, 11, 16), date(2026, 11, 22), [sent] * 3,
                                                  [HeldBack(e, missing) for e in entries])))  # fmt: skip
    for approved, reason in ((True, ""), (False, LONG)):
        check_message(approval.submitter_notice(Decision(7, approved, "U2", reason, 500, 3, "U1")))
        e = entry(3, LONG)
        decided = EntryDecided(
            7, approved, "U2", reason, e.id, e.date, e.duration_seconds, e.description, "U1"
        )
        check_message(approval.entry_notice(decided))
    check_modal(approval.reject_modal(7, "m" * 300))


def test_view_all_pages_list_every_entry_within_modal_limits() -> None:
    from bot.views.submission_entries import entries_modal, pages

    overview = overview_of(500)
    seen = 0
    for page in range(pages(overview)):
        view = entries_modal(overview, page=page, metadata="m" * 300)
        check_modal(view)
        assert len(view["title"]["text"]) <= 24
        sections = [b for b in view["blocks"] if b["type"] == "section"]
        assert all(len(b["text"]["text"]) <= MAX_SECTION_TEXT for b in sections)
        seen += sum(b["text"]["text"].count("\n") + 1 for b in sections[1:])
        nav = [e["text"]["text"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert ("Next ›" in nav) == (page < pages(overview) - 1) and ("‹ Previous" in nav) == (page > 0)
    assert pages(overview) == 10 and seen == 500


def test_a_reminder_of_hundreds_of_waiting_submissions_fits_one_message() -> None:
    from bot.services.reminders import PendingItem, PendingReminder
    from bot.views.reminders import pending_approvals

    items = [
        PendingItem(i, "U" + "X" * 30, date(2026, 11, 16), date(2026, 11, 22), 500, 10**6, 9)
        for i in range(300)
    ]
    reminder = PendingReminder("U2", date(2026, 12, 2), items)
    for n in (1, 40, 300):
        message = pending_approvals(
            reminder, [(i, "https://x.slack.com/archives/D1/p1" + "9" * 200) for i in items[:n]]
        )
        check_message(message)
        assert ("…and 260 more" in str(message["blocks"])) == (n == 300)


def test_a_timers_choices_fit_a_message_and_a_modal() -> None:
    from bot.services.entries import Invalid
    from bot.services.entries.rules import Violation
    from bot.views.timers import choices, choices_modal

    started = NOW - timedelta(hours=30)
    review = Violation("entry", Rule.TIMER_REVIEW, {
        "timer_id": 2**31 - 1, "started_at": started, "now": NOW, "ran": NOW - started, "limit": timedelta(hours=12),
        "past_midnight": True, "ends": [started + timedelta(hours=8), started + timedelta(hours=12)],
    })  # fmt: skip
    closed = Violation("date", Rule.CLOSED_MONTH, {"day": date(2026, 10, 31), "timer_id": 1, "now": NOW,
                                                    "open_from": NOW - timedelta(hours=9)})  # fmt: skip
    for v in (review, closed):
        err = Invalid([v], timer=True)
        message = choices(person(), err)
        check_message(message)
        assert any(b["type"] == "actions" for b in message["blocks"])
        check_modal(choices_modal(person(), err))


def test_a_budget_alert_fits_one_message_with_long_names_and_huge_figures() -> None:
    from decimal import Decimal

    from bot.services.budgets import BudgetAlert, Consumption, Pace
    from bot.views.budgets import alert

    consumption = Consumption(
        subject="task:1", project_id=1, task_id=1, project_code="C" * 64, project_name="<@U1> " + LONG[:200],
        task_name="T" * 200, period="2026-11", today=date(2026, 11, 17), budget_hours=Decimal("99999999.99"),
        seconds=10**12, approved_seconds=10**11, burn_seconds=(10**10, 10**10),
        budget_amount=Decimal("9999999999.9999"), amount=Decimal("99999999999999.99"),
        approved_amount=Decimal("1.00"), burn_amounts=(Decimal("10.00"), Decimal("20.00")), currency="USD",
        locale="en_US", percent=Decimal("1000000.5"), pace=Pace.OVER, runs_out=None,
        contributors=tuple(("U" + "X" * 30, 10**9) for _ in range(5)),
    )  # fmt: skip
    for threshold in (50, 100):
        message = alert(BudgetAlert(threshold, consumption))
        check_message(message)
        assert "<@U1>" not in message["text"] and "▓" * 10 in message["text"]


def test_a_forgotten_timers_dm_fits_one_message_with_long_names() -> None:
    from bot.services.forgotten import Kept, Nudge
    from bot.views import forgotten

    for description, past_midnight in ((LONG, False), ("", True)):
        n = Nudge("U" + "X" * 30, 1, 2**31 - 1, NOW, "Pacific/Chatham", "C" * 64, description, 1439,
                  past_midnight)  # fmt: skip
        for message in (forgotten.nudge(n), forgotten.nudge(n, warning=LONG), forgotten.kept(Kept(n))):
            check_message(message)
        [actions] = [b for b in forgotten.nudge(n)["blocks"] if b["type"] == "actions"]
        assert len(actions["block_id"]) <= 255 and len(actions["elements"]) == 3


def test_a_missing_hours_nudge_fits_one_message_in_every_state() -> None:
    from bot.services.missing_hours import DayState, Nudge
    from bot.views import missing_hours as nudge_views

    days = [DayState(date(2026, 11, 30) - timedelta(days=i), 8 * 3600, i * 600) for i in range(5)]
    for snoozes in (0, 5):
        check_message(nudge_views.nudge(Nudge("U0MEMBER", date(2026, 12, 1), days, 1050, 1800, snoozes)))
    filled = [DayState(d.day, d.expected, d.expected) for d in days]
    off = [DayState(days[0].day, 0, 0, "holiday"), *filled[1:]]
    check_message(nudge_views.nudge(Nudge("U0MEMBER", date(2026, 12, 1), off, 570, 1800)))
    check_message(nudge_views.snoozed(datetime(2026, 12, 1, 16, tzinfo=UTC), "America/New_York"))
    check_message(nudge_views.cannot_snooze())


def test_time_off_and_reminder_answers_fit_with_long_reasons_and_many_days() -> None:
    from bot.services.people import ReminderSettings
    from bot.services.time_off import TimeOffList, TimeOffTaken
    from bot.views import time_off as time_off_views
    from storage.time_off import TimeOffRow

    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(366)]
    check_message(
        time_off_views.answer(TimeOffTaken(days[0], days[-1], None, "x" * 200, days, [(days[0], "New Year")]))
    )
    check_message(time_off_views.answer(TimeOffList([TimeOffRow(1, d, 3600, "y" * 200) for d in days])))
    for on in (True, False):
        check_message(
            time_off_views.reminders(ReminderSettings(on, 1050, "America/Argentina/ComodRivadavia", True))
        )
