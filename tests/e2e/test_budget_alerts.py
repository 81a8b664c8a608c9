"""A budget's alerts reach its alert channel within seconds of the `/track` that crosses a
threshold, with no job run: the consumer is woken by the commit. Once per threshold; again
after a delete took it below and a new entry crossed again; once through a 429."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import RunningApp, import_firm
from tests.e2e.test_modals import opened_view, submit

# The shape of tests/data/firm.yaml (the same ids): the in-process project index is kept per
# engine and catalog version, which a fresh import after another test's starts again at.
FIRM = """
workspace: {timezone: America/New_York, currency: USD, billing_increment_minutes: 6, required_fields: [description]}
people:
  - {slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: America/New_York, rate: 400}
  - {slack_id: U0MEMBER, name: Max Member, role: member, timezone: Europe/Berlin, rate: 150}
clients:
  - name: Acme Corp
    currency: USD
    projects:
      - {name: Website Redesign, code: ACME-WEB, billing: hourly, approver: U0PARTNER, rate: 250,
         alert_channel: C0ALERTS, budget_hours: 10, tasks: [{name: Design}, {name: Build}]}
"""


@pytest.fixture
def slow_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """The consumer's poll made longer than any wait here: only the commit's wake-up can
    bring an alert in time."""
    monkeypatch.setattr("bot.worker.CONSUMER_POLL", 120.0)


def budget_alerts(app: RunningApp) -> list[dict[str, Any]]:
    return [
        m
        for m in app.fake.posted("C0ALERTS")
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("budget:")
    ]


def wait_for_alerts(app: RunningApp, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while len(found := budget_alerts(app)) < count:
        assert time.monotonic() < deadline, f"waited {timeout}s for {count} budget alerts, got {found}"
        time.sleep(0.02)
    return found


def wait_for_mark(app: RunningApp, threshold: int, *, above: bool, timeout: float = 10.0) -> None:
    """Until the consumer has seen consumption on that side of the threshold."""
    from sqlalchemy import text

    deadline = time.monotonic() + timeout
    while True:
        with app.db.transaction(read_only=True) as conn:
            found = conn.execute(
                text("SELECT above FROM budget_marks WHERE subject = 'project:1' AND threshold = :t"),
                {"t": threshold},
            ).scalar()
        if found is not None and bool(found) == above:
            return
        assert time.monotonic() < deadline, f"the {threshold} % mark stayed {found}"
        time.sleep(0.02)


def test_alerts_reach_the_channel_once_per_threshold_without_a_job(
    slow_poll: None, running_app: RunningApp
) -> None:
    app = running_app
    import_firm(app.db, FIRM, app.clock())
    app.say("log 4h acme Build footer")  # 40 %
    app.say("log 1h acme Build header")  # 50 %
    [first] = wait_for_alerts(app, 1)
    assert "50 % of its budget" in first["text"] and "▓▓▓▓▓░░░░░ 50 %" in first["text"]
    assert "Website Redesign (ACME-WEB)" in str(first["blocks"]) and "<@U0MEMBER> 5:00" in str(
        first["blocks"]
    )
    app.say("log 4h acme Build nav")  # 90 %: past 80
    alerts = wait_for_alerts(app, 2)
    assert "80 % of its budget" in alerts[1]["text"]
    time.sleep(0.3)
    assert len(budget_alerts(app)) == 2  # nothing twice


def test_a_delete_below_and_a_new_crossing_alert_again_and_a_429_is_retried(
    slow_poll: None, running_app: RunningApp
) -> None:
    app = running_app
    import_firm(app.db, FIRM, app.clock())
    # Changes committed within the consumer's gathering window are evaluated together (one
    # alert naming the highest threshold): each change here waits for what it causes.
    app.say("log 5h acme Build footer")
    wait_for_alerts(app, 1)
    app.say("log 3h acme Build header")  # 80 %
    assert len(wait_for_alerts(app, 2)) == 2
    assert app.track("delete last") == (200, {})
    answer = submit(app, opened_view(app), {"values": {}})
    assert "Deleted 3:00" in str(answer["view"])  # 50 %: below 80 again
    wait_for_mark(app, 80, above=False)
    app.say("log 1h acme Build nav")  # 60 %: nothing
    app.fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    app.say("log 2h acme Build search")  # 80 % again
    alerts = wait_for_alerts(app, 3)
    keys = [a["metadata"]["event_payload"]["key"] for a in alerts]
    assert [k.rsplit(":", 2)[-2:] for k in keys] == [["50", "1"], ["80", "1"], ["80", "2"]]
    assert any(c.rate_limited for c in app.fake.calls_to("chat.postMessage"))
    time.sleep(0.3)
    assert len(budget_alerts(app)) == 3
