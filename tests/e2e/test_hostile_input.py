"""Careless and hostile input: each gets a clear answer, and nothing is billed that nobody worked."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select

from storage.models import TimeEntry
from tests.conftest import SIGNING_SECRET, RunningApp, import_firm, session_scope
from tests.signing import FORM, JSON, command_body, post, sign, signature

ESCAPED_FIRM = """
clients:
  - name: Mergers Inc
    projects:
      - {name: M&A Advisory, code: MNA, tasks: [{name: Q&A}, {name: Due diligence}]}
"""


def entries(app: RunningApp) -> list[TimeEntry]:
    with session_scope(app.sessions) as s:
        return list(s.scalars(select(TimeEntry).order_by(TimeEntry.id)))


def test_slacks_escaping_is_undone_before_the_text_is_read(firm: None, running_app: RunningApp) -> None:
    app = running_app
    import_firm(app.db, ESCAPED_FIRM, app.clock())
    # Slack sends "&", "<" and ">" in command text as entities.
    answer = app.say('log 1h "M&amp;A Advisory" Q&amp;A R&amp;D for &lt;b&gt; &amp;lt;literal')
    assert "Logged 1:00" in answer and "&amp;amp;" not in answer
    [entry] = entries(app)
    assert entry.description == "R&D for <b> &lt;literal"
    assert "› Q&amp;A" in answer  # shown escaped once, as Slack's mrkdwn wants


def test_text_beyond_the_limit_is_refused_and_a_huge_body_gets_413(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    answer = app.say("log 1h acme " + "x" * 5000)
    assert "takes at most 4,000" in answer and entries(app) == []
    body = command_body("log 1h acme " + "y" * (2 << 20), user_id="U0MEMBER")
    status, _headers, payload = post(app.url + "/slack/events", body, SIGNING_SECRET)
    assert status == 413 and entries(app) == []


def test_time_billed_differently_from_what_was_measured_is_said(firm: None, running_app: RunningApp) -> None:
    app = running_app
    answer = app.say("log 0.008h acme Build a quick call")  # 29 seconds
    assert "(0:00 measured, billed 0.1 h under the firm's 6-minute increment)" in answer
    exact = app.say("log 1h30m acme Build footer")
    assert "measured" not in exact  # 1.5 h is whole increments: nothing to explain


def test_absurd_numbers_and_characters_in_track_get_the_rules_words(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    cases = {
        "log 100000000000000000000000000000h acme x": "at most 24 hours",
        "rate 99999999999999999999999999": "There is no entry 99999999999999999999999999",
        "audit 2147483648": "There is no entry 2147483648",
        "reopen 99999999999999999999 a reason": "There is no entry",
        "log 1h acme nul\x00here": "NUL character",
        "log 1h acme " + "d" * 3001: "3,001 characters; one entry holds at most 3,000",
    }
    for text, needle in cases.items():
        status, answer = app.track(text)
        assert status == 200 and needle in answer["text"] and "Something went wrong" not in answer["text"], (
            text
        )
    assert entries(app) == []


def test_an_edit_that_changes_only_the_duration_keeps_a_long_description_whole(
    firm: None, running_app: RunningApp
) -> None:
    from tests.e2e.test_modals import _menu, opened_view, selected, state, submit

    app = running_app
    app.say("log 1h acme Build short")
    long_text = "word " * 900  # 4,500 characters, from before the limit
    with session_scope(app.sessions) as s:
        entry = s.scalars(select(TimeEntry)).one()
        entry.description = long_text.strip()
        entry_id, project_id, day = entry.id, entry.project_id, entry.date
    _menu(app, entry_id, "edit")
    view = opened_view(app)
    shown = next(b for b in view["blocks"] if b.get("block_id") == "description")["element"]["initial_value"]
    assert len(shown) <= 3000
    answer = submit(app, view, state(
        project=selected(project_id), date={"selected_date": str(day)}, duration={"value": "2h"},
        description={"value": shown}, billable={"selected_options": [{"value": "billable"}]},
    ))  # fmt: skip
    assert answer["response_action"] == "update", answer
    [after] = entries(app)
    assert after.duration_seconds == 7200 and after.description == long_text.strip()  # not cut
    _menu(app, entry_id, "edit")
    view = opened_view(app, count=2)
    answer = submit(app, view, state(
        project=selected(project_id), date={"selected_date": str(day)}, duration={"value": "30000000000000000000h"},
        description={"value": "x" * 2999 + "yz"},
    ))  # fmt: skip
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"duration", "description"}
    assert "at most 3,000" in answer["errors"]["description"]


def test_a_newcomers_concurrent_first_requests_are_all_saved(firm: None, running_app: RunningApp) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from storage.models import Person

    app = running_app
    with ThreadPoolExecutor(10) as pool:
        answers = list(
            pool.map(lambda i: app.say(f"log 1h acme first day {i}", user_id="U0FRESH"), range(10))
        )
    assert all("Logged 1:00" in a for a in answers), answers
    with session_scope(app.sessions) as s:
        assert len(s.scalars(select(Person).where(Person.slack_id == "U0FRESH")).all()) == 1
    assert len(entries(app)) == 10


def test_the_day_words_people_type_are_read_and_others_refused_by_name(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app  # today is Tuesday 17 November 2026
    read = {
        "log 1h acme Build a on dec 1": "for Mon 01 Dec 2025",
        "log 1h acme Build b on 1 november": "for Sun 01 Nov 2026",
        "log 1h acme Build c on last friday": "for Fri 13 Nov 2026",
        "log 1h acme Build d on 11/03/2026": "for Tue 03 Nov 2026",  # the firm's locale is en_US: month first
        "log 1h acme Build e on nov 2, 2026": "for Mon 02 Nov 2026",
        "log 1h acme Build worked on homepage": "for Tue 17 Nov 2026",  # not a day: description
    }
    for text, needle in read.items():
        assert needle in app.say(text), text
    refused = {
        "log 1h acme Build x on feb 30": "`feb 30` is not a real date",
        "log 1h acme Build x on 31/31/2026": "is not a real date",
        "log 1h acme Build x on 2019-06-01": "is before Sun 17 Nov 2024, the earliest day this firm takes time for",
    }
    before = len(entries(app))
    for text, needle in refused.items():
        assert needle in app.say(text), text
    assert len(entries(app)) == before
    assert entries(app)[-1].description == "worked on homepage"


def test_numeric_dates_follow_the_firms_locale(firm: None, running_app: RunningApp) -> None:
    import_firm(running_app.db, "workspace: {locale: de_DE}", running_app.clock())
    assert "for Wed 11 Mar 2026" in running_app.say("log 1h acme Build x on 11/03/2026")


def test_approving_time_of_a_month_closed_since_says_so_and_changes_nothing(
    firm: None, running_app: RunningApp
) -> None:
    from bot.services import periods
    from tests.e2e.test_approvals import PARTNER, click, statuses, submit_two

    app = running_app
    dm = submit_two(app)  # Monday 16 and Tuesday 17 November
    with app.db.transaction() as conn:
        periods.close(conn, "2026-11", actor="cli", reason="month-end", now=app.clock())
    click(app, PARTNER, "approve_all", dm["blocks"][-1]["elements"][0]["value"])
    refusal = app.fake.wait_for("chat.postEphemeral")[-1].params["text"]
    assert "2026-11 is closed, so its time can't be approved" in refusal and "went wrong" not in refusal
    assert statuses(app) == ["submitted", "submitted"]


def test_unsigned_and_malformed_requests_are_refused_before_they_are_read(
    firm: None, running_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    app, url = running_app, running_app.url + "/slack/events"
    command = command_body("log 1h acme Build unsigned")
    now = str(int(time.time()))
    cases = [
        # (body, content type, headers over the signed ones, the status)
        (command, FORM, {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""}, 401),
        (
            command,
            FORM,
            {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": signature(SIGNING_SECRET, command, 0)},
            401,
        ),
        (command, FORM, {"X-Slack-Request-Timestamp": now + "0" * 30}, 401),
        ("{not json", JSON, {}, 400),
        ("[1, 2]", JSON, {}, 400),
        ("payload=%7Bnot+json", FORM, {}, 400),
        ("payload=%5B1%5D", FORM, {}, 400),
        ("payload=%22text%22", FORM, {}, 400),
    ]
    for body, content_type, headers, expected in cases:
        with caplog.at_level(logging.INFO):
            status, _headers, answer = post(
                url, body, SIGNING_SECRET, content_type=content_type, headers=headers
            )
        assert (status, body) == (expected, body) and b"Traceback" not in answer
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert entries(app) == []


def test_a_replayed_request_does_not_act_twice(firm: None, running_app: RunningApp) -> None:
    app, url = running_app, running_app.url + "/slack/events"
    body = command_body("log 1h acme Build once", response_url=app.fake.response_url())
    headers = sign(SIGNING_SECRET, body)
    first = post(url, body, SIGNING_SECRET, headers=headers)
    again = post(url, body, SIGNING_SECRET, headers=headers)
    assert first[0] == 200 and b"Logged 1:00" in first[2]
    assert again[0] == 200 and b"Logged" not in again[2]
    assert [e.description for e in entries(app)] == ["once"]
    # A click replayed is the same: once.
    fresh = command_body("log 2h acme Build twice", response_url=app.fake.response_url())
    status, _h, answer = post(url, fresh, SIGNING_SECRET)  # a new signature is a new request
    assert status == 200 and b"Logged 2:00" in answer
    assert len(entries(app)) == 2


def test_signed_requests_missing_what_slack_always_sends_leave_no_traceback(
    firm: None, running_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    import json
    from urllib.parse import urlencode

    app, url = running_app, running_app.url + "/slack/events"

    def form(payload: object) -> str:
        return urlencode({"payload": json.dumps(payload)})

    bodies = [
        (form({}), FORM),
        (form({"type": "block_actions"}), FORM),
        (form({"type": "block_actions", "actions": [{}]}), FORM),
        (
            form(
                {
                    "type": "block_actions",
                    "user": {"id": "U0MEMBER"},
                    "actions": [{"action_id": "stop_timer"}],
                }
            ),
            FORM,
        ),
        (
            form(
                {
                    "type": "block_actions",
                    "user": {"id": "U0MEMBER"},
                    "actions": [{"action_id": "approve", "value": "x" * 50}],
                }
            ),
            FORM,
        ),
        (form({"type": "view_submission", "user": {"id": "U0MEMBER"}, "view": {}}), FORM),
        (
            form(
                {
                    "type": "view_submission",
                    "user": {"id": "U0MEMBER"},
                    "view": {"callback_id": "entry_form", "state": {"values": {}}},
                }
            ),
            FORM,
        ),
        (
            form({"type": "message_action", "user": {"id": "U0MEMBER"}, "callback_id": "log_from_message"}),
            FORM,
        ),
        (
            form(
                {"type": "block_suggestion", "user": {"id": "U0MEMBER"}, "action_id": "project", "value": "a"}
            ),
            FORM,
        ),
        ("command=%2Ftrack&text=log+1h", FORM),
        ("command=%2Ftrack&user_id=U0MEMBER&text=log+1h+acme+Build", FORM),
        (json.dumps({"type": "event_callback"}), JSON),
        (json.dumps({"type": "event_callback", "event": {"type": "app_home_opened"}}), JSON),
        (
            json.dumps(
                {
                    "type": "event_callback",
                    "team_id": "T0FAKE",
                    "event": {"type": "app_home_opened", "user": "U0MEMBER", "tab": "home"},
                }
            ),
            JSON,
        ),
        (json.dumps({"type": "url_verification"}), JSON),
        (json.dumps({}), JSON),
    ]
    for body, content_type in bodies:
        with caplog.at_level(logging.INFO):
            status, _headers, answer = post(url, body, SIGNING_SECRET, content_type=content_type)
        assert status < 500 and b"Traceback" not in answer, body
    time.sleep(0.5)
    bad = [(r.name, r.getMessage()[:200]) for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert bad == []
    assert entries(app) == []
