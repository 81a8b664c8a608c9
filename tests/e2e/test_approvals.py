"""Submit → the approver's DM → Approve all / Reject… → outcome in place, submitter told."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select, update

from storage.models import AuditRecord, EntryStatus, TimeEntry
from tests.conftest import RunningApp, interact, session_scope

PARTNER = {"id": "U0PARTNER", "username": "ada", "team_id": "T0FAKE"}
MEMBER = {"id": "U0MEMBER", "username": "max", "team_id": "T0FAKE"}


def statuses(app: RunningApp) -> list[str]:
    with session_scope(app.sessions) as s:
        return [e.status.value for e in s.scalars(select(TimeEntry).order_by(TimeEntry.id))]


def submit_two(app: RunningApp) -> dict[str, Any]:
    app.say("log 1h acme Design wireframes on monday")
    app.say("log 2h acme Build footer")
    answer = app.say("submit")
    assert "2 entries (3:00) sent to Ada Partner for approval" in answer
    dm = app.fake.wait_for("chat.postMessage")[-1]
    assert dm.params["channel"] == "DU0PARTNER"
    from storage.models import OutboxMessage, OutboxStatus

    def remembered() -> bool:  # where the DM went is recorded right after it is posted
        with session_scope(app.sessions) as s:
            requests = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "approval_request")).all()
            return bool(requests) and all(r.status == OutboxStatus.SENT and r.ts for r in requests)

    wait_until(remembered)
    assert statuses(app) == ["submitted", "submitted"]
    return dm.params


def click(app: RunningApp, user: dict[str, Any], action_id: str, value: str) -> None:
    status, _ = interact(app, {
        "type": "block_actions", "user": user, "trigger_id": "t.dm", "channel": {"id": "DU0PARTNER"},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "DU0PARTNER"},
        "actions": [{"action_id": action_id, "block_id": f"decide:{value}", "type": "button", "value": value}],
    })  # fmt: skip
    assert status == 200


def wait_until(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_submit_then_approve_all_locks_and_tells_everyone(firm: None, running_app: RunningApp) -> None:
    app = running_app
    dm = submit_two(app)
    buttons = dm["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["approve_all", "reject_open"]
    click(app, PARTNER, "approve_all", buttons[0]["value"])
    wait_until(lambda: statuses(app) == ["approved", "approved"])
    updated = app.fake.wait_for("chat.update")[-1].params
    assert "Approved by <@U0PARTNER>" in updated["text"] and "approve_all" not in json.dumps(updated)
    told = app.fake.wait_for("chat.postMessage", count=2)[-1].params
    assert told["channel"] == "DU0MEMBER" and "approved your 2 entries" in told["text"]
    with session_scope(app.sessions) as s:  # prices frozen, and every step on the record
        assert all(e.amount is not None for e in s.scalars(select(TimeEntry)))
        actions = [r.action for r in s.scalars(select(AuditRecord).order_by(AuditRecord.id))]
    assert actions == ["create", "create", "submit", "submit", "approve", "approve"]
    # Locked: the member can no longer change them by any path.
    assert "can't be changed" in app.say("delete last")


def test_a_non_approvers_click_changes_nothing(firm: None, running_app: RunningApp) -> None:
    app = running_app
    dm = submit_two(app)
    click(app, MEMBER, "approve_all", dm["blocks"][-1]["elements"][0]["value"])
    refusal = app.fake.wait_for("chat.postEphemeral")[-1].params
    assert refusal["user"] == "U0MEMBER" and "Only this submission's approver" in refusal["text"]
    assert statuses(app) == ["submitted", "submitted"]


def test_two_clicks_at_once_give_one_outcome(firm: None, running_app: RunningApp) -> None:
    app = running_app
    value = submit_two(app)["blocks"][-1]["elements"][0]["value"]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _i: click(app, PARTNER, "approve_all", value), range(4)))
    wait_until(lambda: len(app.fake.calls_to("chat.postEphemeral")) == 3)
    assert all(
        "Already approved by <@U0PARTNER>" in c.params["text"]
        for c in app.fake.calls_to("chat.postEphemeral")
    )
    app.fake.wait_for("chat.update")  # the redraw, delivered by the outbox sender
    time.sleep(0.3)  # time enough for any second one to arrive
    assert len(app.fake.calls_to("chat.update")) == 1
    with session_scope(app.sessions) as s:
        approvals = s.scalars(select(AuditRecord).where(AuditRecord.action == "approve")).all()
    assert len(approvals) == 2  # one per entry, once


def test_reject_needs_a_reason_and_sends_the_entries_back(firm: None, running_app: RunningApp) -> None:
    app = running_app
    value = submit_two(app)["blocks"][-1]["elements"][1]["value"]
    click(app, PARTNER, "reject_open", value)
    modal = app.fake.wait_for("views.open")[-1].params["view"]
    view = {**modal, "id": "VREJ"}
    status, answer = interact(
        app,
        {
            "type": "view_submission",
            "user": PARTNER,
            "view": {
                **view,
                "state": {"values": {"reason": {"reason_text": {"type": "plain_text_input", "value": "  "}}}},
            },
        },
    )
    assert answer["response_action"] == "errors" and "reason" in answer["errors"]
    status, answer = interact(
        app,
        {
            "type": "view_submission",
            "user": PARTNER,
            "view": {
                **view,
                "state": {
                    "values": {
                        "reason": {
                            "reason_text": {
                                "type": "plain_text_input",
                                "value": "Split the design time by page",
                            }
                        }
                    }
                },
            },
        },
    )
    assert answer["response_action"] == "update"
    assert statuses(app) == ["rejected", "rejected"]
    told = app.fake.wait_for("chat.postMessage", count=2)[-1].params
    assert "Split the design time by page" in told["text"] and "Edit and resubmit" in json.dumps(
        told["blocks"]
    )
    # Rejected entries can be fixed and submitted again.
    assert "2 entries (3:00) sent to Ada Partner" in app.say("submit")


def test_entries_missing_a_required_field_stay_behind(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.say("start acme")
    app.clock.advance(minutes=30)
    app.say("stop")  # saved without the description the firm requires
    app.say("log 1h acme Build footer")
    _, answer = app.track("submit")
    assert "1 entries (1:00) sent" in answer["text"] + json.dumps(answer["blocks"])
    assert "needs a description" in json.dumps(answer["blocks"])
    assert sorted(statuses(app)) == ["draft", "submitted"]
    with session_scope(app.sessions) as s:
        s.execute(update(TimeEntry).where(TimeEntry.status == EntryStatus.DRAFT).values(description="x"))


def test_partners_queue_lists_waiting_submissions_with_the_same_buttons(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    submit_two(app)
    _, answer = app.track("approvals", user_id="U0PARTNER")
    text = json.dumps(answer["blocks"])
    assert "1 submissions waiting for you" in text and "approve_all" in text and "2 entries, 3:00" in text
    assert "partners and admins" in app.say("approvals")


def test_reopen_needs_a_partner_and_a_reason_and_is_audited(firm: None, running_app: RunningApp) -> None:
    app = running_app
    value = submit_two(app)["blocks"][-1]["elements"][0]["value"]
    click(app, PARTNER, "approve_all", value)
    wait_until(lambda: statuses(app) == ["approved", "approved"])
    with session_scope(app.sessions) as s:
        first = s.scalars(select(TimeEntry).order_by(TimeEntry.id)).first()
        assert first is not None
        entry_id = first.id
    assert "Only partners and admins" in app.say(f"reopen {entry_id} please")
    assert "Which entry, and why" in app.say(f"reopen {entry_id}", user_id="U0PARTNER")
    assert "is a draft again" in app.say(f"reopen {entry_id} wrong matter", user_id="U0PARTNER")
    assert statuses(app) == ["draft", "approved"]
    with session_scope(app.sessions) as s:
        reopened = s.get(TimeEntry, entry_id)
        assert reopened is not None and reopened.amount is None and reopened.submission_id is None
        record = s.scalars(select(AuditRecord).where(AuditRecord.action == "reopen")).one()
        assert (record.actor, record.comment) == ("U0PARTNER", "wrong matter")
    # A late entry and the reopened one form a new submission; the approved one stays approved.
    app.say("log 30m acme Build late one")
    assert "2 entries (1:30) sent to Ada Partner" in app.say("submit")
    assert statuses(app) == ["submitted", "approved", "submitted"]


CLIENT_APPROVES = """
people:
  - {slack_id: U0LEAD, name: Lee Lead, role: member}
clients:
  - name: Beta LLP
    approver: U0LEAD
    projects: [{name: Tax Return, code: BETA-TAX}]
"""


def test_a_project_without_an_approver_goes_to_its_clients_approver(
    firm: None, running_app: RunningApp
) -> None:
    from tests.conftest import import_firm

    app = running_app
    import_firm(app.db, CLIENT_APPROVES, app.clock())
    app.say("log 1h beta-tax Review the return")
    app.say("log 2h acme Build footer")
    answer = app.say("submit")
    assert "1 entries (1:00) sent to Lee Lead" in answer and "1 entries (2:00) sent to Ada Partner" in answer
    dms = app.fake.wait_for("chat.postMessage", count=2)
    assert sorted(c.params["channel"] for c in dms) == ["DU0LEAD", "DU0PARTNER"]


def choose(app: RunningApp, user: dict[str, Any], value: str) -> None:
    """Pick an option of an entry's overflow menu in the approver's DM."""
    status, _ = interact(app, {
        "type": "block_actions", "user": user, "trigger_id": "t.dm", "channel": {"id": "DU0PARTNER"},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "DU0PARTNER"},
        "actions": [{"action_id": "entry_decision", "block_id": f"entry:{value.rsplit(':', 1)[1]}",
                     "type": "overflow", "selected_option": {"text": {"type": "plain_text", "text": "x"},
                                                             "value": value}}],
    })  # fmt: skip
    assert status == 200


def menus(message: dict[str, Any]) -> list[list[str]]:
    """The option values of each entry's overflow menu in a DM, in order."""
    return [
        [o["value"] for o in b["accessory"]["options"]]
        for b in message["blocks"]
        if b.get("accessory", {}).get("type") == "overflow"
    ]


def submit_reason(app: RunningApp, reason: str) -> dict[str, Any]:
    modal = app.fake.wait_for("views.open")[-1].params["view"]
    values = {"reason": {"reason_text": {"type": "plain_text_input", "value": reason}}}
    status, answer = interact(app, {
        "type": "view_submission", "user": PARTNER, "view": {**modal, "id": "VREJ", "state": {"values": values}},
    })  # fmt: skip
    assert status == 200
    return answer


def submission_statuses(app: RunningApp) -> list[str]:
    from storage.models import Submission

    with session_scope(app.sessions) as s:
        return [sub.status.value for sub in s.scalars(select(Submission).order_by(Submission.id))]


def test_each_entry_can_be_decided_on_its_own_and_the_dm_shows_each_outcome(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    dm = submit_two(app)
    (approve_first, _), (_, reject_second) = menus(dm)
    choose(app, PARTNER, approve_first)
    wait_until(lambda: statuses(app) == ["approved", "submitted"])
    updated = app.fake.wait_for("chat.update")[-1].params
    assert len(menus(updated)) == 1 and menus(updated)[0][1] == reject_second  # the decided one has none
    assert "approved by <@U0PARTNER> at 2026-11-17 15:00 UTC" in json.dumps(updated["blocks"])
    assert "Approve the rest" in json.dumps(updated["blocks"])
    told = app.fake.wait_for("chat.postMessage", count=2)[-1].params
    assert told["channel"] == "DU0MEMBER" and "approved your entry" in told["text"]
    assert "Mon 16 Nov wireframes" in told["text"]
    assert submission_statuses(app) == ["pending"]
    _, queue = app.track("approvals", user_id="U0PARTNER")
    assert "1 entries, 2:00" in json.dumps(queue["blocks"])  # only the entry still waiting

    app.clock.advance(minutes=5)
    choose(app, PARTNER, reject_second)
    answer = submit_reason(app, "Which page was the footer for?")
    assert answer["response_action"] == "update"
    assert statuses(app) == ["approved", "rejected"]
    assert submission_statuses(app) == ["partial"]  # every entry decided: the submission is closed
    closed = app.fake.wait_for("chat.update", count=2)[-1].params
    text = json.dumps(closed)
    assert "Partly approved: 1 approved, 1 sent back" in closed["text"]
    assert not menus(closed) and "approve_all" not in text and "reject_open" not in text
    assert "sent back by <@U0PARTNER> at 2026-11-17 15:05 UTC: Which page was the footer for?" in text
    told = app.fake.wait_for("chat.postMessage", count=3)[-1].params
    assert "sent back your entry" in told["text"] and "Which page was the footer for?" in told["text"]
    button = told["blocks"][-1]["elements"][0]
    assert button["text"]["text"] == "Edit and resubmit" and button["value"].startswith("edit:")
    with session_scope(app.sessions) as s:
        first, second = s.scalars(select(TimeEntry).order_by(TimeEntry.id)).all()
        assert first.amount is not None and second.amount is None  # priced on approval only
        records = [
            (r.action, r.actor, r.comment) for r in s.scalars(select(AuditRecord).order_by(AuditRecord.id))
        ]
    assert records[-2:] == [
        ("approve", "U0PARTNER", ""),
        ("reject", "U0PARTNER", "Which page was the footer for?"),
    ]
    # The approved one is locked; the sent back one can be fixed and submitted again alone.
    assert "1 entries (2:00) sent to Ada Partner" in app.say("submit")


def test_approve_all_after_an_entry_was_sent_back_decides_only_the_rest(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    dm = submit_two(app)
    choose(app, PARTNER, menus(dm)[0][1])
    submit_reason(app, "Too vague")
    wait_until(lambda: statuses(app) == ["rejected", "submitted"])
    app.fake.wait_for("chat.update")  # the DM redrawn, before the next decision
    click(app, PARTNER, "approve_all", dm["blocks"][-1]["elements"][0]["value"])
    wait_until(lambda: statuses(app) == ["rejected", "approved"])
    assert submission_statuses(app) == ["partial"]
    # Two senders deliver different messages side by side: the notices may arrive in either order.
    told = [c.params["text"] for c in app.fake.wait_for("chat.postMessage", count=3)[1:]]
    assert any("approved your 1 remaining entries" in text for text in told), told
    closed = app.fake.wait_for("chat.update", count=2)[-1].params
    assert "Partly approved: 1 approved, 1 sent back" in closed["text"] and not menus(closed)
    with session_scope(app.sessions) as s:
        actions = [r.action for r in s.scalars(select(AuditRecord).order_by(AuditRecord.id))]
    assert actions[-2:] == ["reject", "approve"]  # the sent back entry was not approved too


def test_a_non_approvers_entry_decision_changes_nothing(firm: None, running_app: RunningApp) -> None:
    from storage.models import EntryDecision

    app = running_app
    dm = submit_two(app)
    choose(app, MEMBER, menus(dm)[0][0])
    refusal = app.fake.wait_for("chat.postEphemeral")[-1].params
    assert refusal["user"] == "U0MEMBER" and "Only this submission's approver" in refusal["text"]
    assert statuses(app) == ["submitted", "submitted"] and submission_statuses(app) == ["pending"]
    with session_scope(app.sessions) as s:
        assert not s.scalars(select(EntryDecision)).all()
        assert not s.scalars(select(AuditRecord).where(AuditRecord.action == "approve")).all()
    assert not app.fake.calls_to("chat.update")


def test_one_entry_approved_four_times_at_once_is_decided_once(firm: None, running_app: RunningApp) -> None:
    from storage.models import EntryDecision

    app = running_app
    value = menus(submit_two(app))[0][0]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _i: choose(app, PARTNER, value), range(4)))
    wait_until(lambda: len(app.fake.calls_to("chat.postEphemeral")) == 3)
    assert all(
        "Already approved by <@U0PARTNER> at 2026-11-17 15:00 UTC" in c.params["text"]
        for c in app.fake.calls_to("chat.postEphemeral")
    )
    app.fake.wait_for("chat.update")  # the redraw, delivered by the outbox sender
    time.sleep(0.3)  # time enough for any second one to arrive
    assert len(app.fake.calls_to("chat.update")) == 1
    assert statuses(app) == ["approved", "submitted"]
    with session_scope(app.sessions) as s:
        assert len(s.scalars(select(EntryDecision)).all()) == 1
        assert len(s.scalars(select(AuditRecord).where(AuditRecord.action == "approve")).all()) == 1


def test_an_entry_of_an_approved_submission_is_already_decided(firm: None, running_app: RunningApp) -> None:
    app = running_app
    dm = submit_two(app)
    click(app, PARTNER, "approve_all", dm["blocks"][-1]["elements"][0]["value"])
    wait_until(lambda: statuses(app) == ["approved", "approved"])
    choose(app, PARTNER, menus(dm)[1][1])  # a stale menu: Reject… on an approved entry
    answer = submit_reason(app, "Changed my mind")
    assert "Already approved by <@U0PARTNER>" in json.dumps(answer["view"])
    assert statuses(app) == ["approved", "approved"]


def test_view_all_opens_every_entry_in_a_paged_modal(firm: None, running_app: RunningApp) -> None:
    app = running_app
    for i in range(55):
        app.say(f"log 10m acme Footer item {i}")
    assert "55 entries (9:10) sent to Ada Partner" in app.say("submit")
    dm = app.fake.wait_for("chat.postMessage")[-1].params
    assert "…and 15 more entries" in str(dm["blocks"]) and len(menus(dm)) == 40
    view_all = dm["blocks"][-1]["elements"][-1]
    assert view_all["action_id"] == "view_all_entries"

    def open_as(user: dict[str, Any]) -> None:
        status, _ = interact(app, {
            "type": "block_actions", "user": user, "trigger_id": "t.all", "channel": {"id": "DU0PARTNER"},
            "container": {"type": "message", "message_ts": "1.1", "channel_id": "DU0PARTNER"},
            "actions": [{"action_id": "view_all_entries", "block_id": f"decide:{view_all['value']}",
                         "type": "button", "value": view_all["value"]}],
        })  # fmt: skip
        assert status == 200

    def listed(view: dict[str, Any]) -> list[str]:
        sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"][1:]
        return [line for text in sections for line in text.split("\n")]

    open_as({"id": "U0STRANGER", "username": "eve", "team_id": "T0FAKE"})
    refusal = app.fake.wait_for("chat.postEphemeral")[-1].params
    assert (
        refusal["user"] == "U0STRANGER" and "Only the submitter, the approver or an admin" in refusal["text"]
    )
    assert not app.fake.calls_to("views.open")

    open_as(PARTNER)
    first = app.fake.wait_for("views.open")[-1].params["view"]
    assert first["title"]["text"] == "Entries 1/2" and len(listed(first)) == 50
    assert "Footer item 0 · waiting" in listed(first)[0]
    shown = {**first, "id": "VALL", "hash": "h1"}
    (next_button,) = [e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"]]
    status, _ = interact(app, {
        "type": "block_actions", "user": PARTNER, "trigger_id": "t.next", "view": shown,
        "container": {"type": "view", "view_id": "VALL"},
        "actions": [{"action_id": next_button["action_id"], "block_id": "entries_pages", "type": "button",
                     "value": next_button["value"]}],
    })  # fmt: skip
    assert status == 200
    update = app.fake.wait_for("views.update")[-1].params
    second = update["view"]
    assert update["view_id"] == "VALL" and update["hash"] == "h1"
    assert second["title"]["text"] == "Entries 2/2" and len(listed(second)) == 5
    assert "Footer item 54" in listed(second)[-1]
    nav = [e["text"]["text"] for b in second["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert nav == ["‹ Previous"]


def test_approving_every_entry_on_its_own_closes_the_submission_approved(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    (first, _), (second, _) = menus(submit_two(app))
    choose(app, PARTNER, first)
    wait_until(lambda: statuses(app) == ["approved", "submitted"])
    app.fake.wait_for("chat.update")  # the DM redrawn, before the next decision
    choose(app, PARTNER, second)
    wait_until(lambda: statuses(app) == ["approved", "approved"])
    assert submission_statuses(app) == ["approved"]
    closed = app.fake.wait_for("chat.update", count=2)[-1].params
    assert closed["text"].startswith("Approved by <@U0PARTNER> at 2026-11-17 15:00 UTC (2 entries)")
    assert not menus(closed) and "approve_all" not in json.dumps(closed)


def test_export_shows_each_entrys_status_through_the_cycle(firm: None, running_app: RunningApp) -> None:
    from tests.unit.test_export import export_csv

    app = running_app

    def exported() -> list[str]:
        return [row["status"] for row in sorted(export_csv(app.sessions), key=lambda r: r["description"])]

    dm = submit_two(app)  # "footer" and "wireframes", logged as drafts, now submitted
    assert exported() == ["submitted", "submitted"]
    click(app, PARTNER, "approve_all", dm["blocks"][-1]["elements"][0]["value"])
    wait_until(lambda: statuses(app) == ["approved", "approved"])
    rows = export_csv(app.sessions)
    assert [r["status"] for r in rows] == ["approved", "approved"] and all(r["amount"] for r in rows)
    app.say("log 1h acme Build late work")  # a late entry is a draft of its own
    assert exported() == ["approved", "draft", "approved"]
