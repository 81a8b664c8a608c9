"""Submit → the approver's DM → Approve all / Reject… → outcome in place, submitter told."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select, update

from storage.db import session_scope
from storage.models import AuditRecord, EntryStatus, TimeEntry
from tests.conftest import RunningApp, interact

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
    from storage.models import Submission

    def remembered() -> bool:  # the DM's ts is stored right after it is posted
        with session_scope(app.sessions) as s:
            return all(sub.message_ts for sub in s.scalars(select(Submission)))

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
    from bot.services.importer import import_yaml

    app = running_app
    with session_scope(app.sessions) as s:
        import_yaml(s, CLIENT_APPROVES, now=app.clock())
    app.say("log 1h beta-tax Review the return")
    app.say("log 2h acme Build footer")
    answer = app.say("submit")
    assert "1 entries (1:00) sent to Lee Lead" in answer and "1 entries (2:00) sent to Ada Partner" in answer
    dms = app.fake.wait_for("chat.postMessage", count=2)
    assert sorted(c.params["channel"] for c in dms) == ["DU0LEAD", "DU0PARTNER"]
