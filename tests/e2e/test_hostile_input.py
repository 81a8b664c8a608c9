"""Careless and hostile input: each gets a clear answer, and nothing is billed that nobody worked."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import TimeEntry
from tests.conftest import SIGNING_SECRET, RunningApp, import_firm, session_scope
from tests.signing import command_body, post

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


def test_text_beyond_the_limit_is_refused_and_a_huge_body_gets_413(firm: None, running_app: RunningApp) -> None:
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
