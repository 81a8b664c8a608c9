"""What the bot sends on its own is queued with the change that causes it and arrives exactly
once: through Slack's 500s and 429s, an outage, a ``kill -9`` mid-send, and ``outbox retry``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.cli import main
from storage.db import make_engine
from storage.models import OutboxMessage, OutboxStatus
from tests.conftest import BOT_TOKEN, FIRM_YAML, RunningApp, session_scope
from tests.processes import PUNCHCARD, Serve, environment


def requests_posted(fake: Any, channel: str = "DU0PARTNER") -> list[dict[str, Any]]:
    """Approval requests in the approver's DM (each message carries its outbox key)."""
    return [
        m
        for m in fake.posted(channel)
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("approval-request:")
    ]


def outbox_rows(app: RunningApp) -> list[OutboxMessage]:
    with session_scope(app.sessions) as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def wait_until(check: Any, timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        time.sleep(0.05)


def test_an_approval_request_arrives_once_through_three_500s_and_a_429(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    app.fake.fail_http("chat.postMessage", 500, times=3)
    app.fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    app.say("log 2h acme Build footer")
    assert "sent to Ada Partner" in app.say("submit")

    def sent() -> bool:
        return any(r.kind == "approval_request" and r.status == OutboxStatus.SENT for r in outbox_rows(app))

    wait_until(sent, what="the approval request to be sent")
    attempts = [c for c in app.fake.calls_to("chat.postMessage")]
    assert [c.http_status for c in attempts[:3]] == [500, 500, 500] and attempts[3].rate_limited
    assert len(requests_posted(app.fake)) == 1
    # After a 5xx Slack may have posted it after all: before each resend the sender looked.
    assert len(app.fake.calls_to("conversations.history")) >= 3
    [row] = [r for r in outbox_rows(app) if r.kind == "approval_request"]
    assert row.channel == "DU0PARTNER" and row.ts == requests_posted(app.fake)[0]["ts"]


def _cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, app: RunningApp, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", app.db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", app.fake.url)
    monkeypatch.setenv("PUNCHCARD_OUTBOX_BACKOFF", "0.05")
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_message_that_keeps_failing_is_listed_with_its_error_and_goes_out_after_retry(
    firm: None, running_app: RunningApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = running_app
    app.fake.fail_http("chat.postMessage", 500, times=5)  # the test app gives up after 5 attempts
    app.say("log 2h acme Build footer")
    app.say("submit")
    wait_until(lambda: any(r.status == OutboxStatus.FAILED for r in outbox_rows(app)), what="it to fail")
    assert requests_posted(app.fake) == []
    code, listing, _ = _cli(capsys, monkeypatch, app, "outbox", "--failed")
    [row] = outbox_rows(app)
    assert code == 0 and f"{row.id:>6}  failed" in listing and "approval-request:" in listing
    assert "error: HTTP 500" in listing
    code, out, _ = _cli(capsys, monkeypatch, app, "outbox", "retry", str(row.id))
    assert code == 0 and "sent" in out
    assert len(requests_posted(app.fake)) == 1
    code, listing, _ = _cli(capsys, monkeypatch, app, "outbox", "--failed")
    assert "No messages." in listing
    code, _, err = _cli(capsys, monkeypatch, app, "outbox", "retry")
    assert code == 2 and "outbox retry ID|--failed" in err  # neither an id nor --failed: the right form


def _count(db_url: str, sql: str) -> Any:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def _serve_env(fake: Any, db_url: str, tmp_path: Path) -> dict[str, str]:
    import subprocess

    env = environment(fake, db_url)
    env.update(PUNCHCARD_OUTBOX_BACKOFF="0.2", PUNCHCARD_OUTBOX_POLL="0.1", PUNCHCARD_OUTBOX_LEASE="2",
               PUNCHCARD_SCHEDULER="off")  # fmt: skip
    firm = tmp_path / "firm.yaml"
    firm.write_text(FIRM_YAML)
    subprocess.run([*PUNCHCARD, "import", str(firm)], env=env, cwd=tmp_path, check=True, capture_output=True)
    return env


def test_a_request_queued_through_an_outage_and_a_kill_9_arrives_once_after_a_restart(
    fake_slack: Any, empty_database_url: str, tmp_path: Path
) -> None:
    env = _serve_env(fake_slack, empty_database_url, tmp_path)
    fake_slack.outage("chat.postMessage")
    first = Serve(env, tmp_path)
    try:
        first.track(fake_slack, "log 2h acme Build footer")
        assert "sent to Ada Partner" in first.track(fake_slack, "submit")
        wait_until(lambda: len(fake_slack.calls_to("chat.postMessage")) >= 2, what="two failed attempts")
    finally:
        first.kill()
    assert _count(empty_database_url, "SELECT status FROM outbox") in ("pending", "sending")
    fake_slack.recover()
    second = Serve(env, tmp_path)
    try:
        wait_until(lambda: _count(empty_database_url, "SELECT status FROM outbox") == "sent", what="delivery")
    finally:
        second.stop()
    assert len(requests_posted(fake_slack)) == 1


def test_a_kill_9_after_slack_accepted_the_message_does_not_send_it_twice(
    fake_slack: Any, empty_database_url: str, tmp_path: Path
) -> None:
    """The window the README names: Slack posted it, the sender died before recording it.
    After the lease runs out, the next sender finds it by its metadata and records it."""
    env = _serve_env(fake_slack, empty_database_url, tmp_path)
    fake_slack.delay("chat.postMessage", 1.5)  # posted at the end of the delay, answered after
    first = Serve(env, tmp_path)
    try:
        first.track(fake_slack, "log 2h acme Build footer")
        first.track(fake_slack, "submit")
        wait_until(lambda: len(fake_slack.calls_to("conversations.open")) >= 1, what="the send to begin")
        time.sleep(0.5)
    finally:
        first.kill()  # mid-send: Slack will post it, nobody records it
    wait_until(lambda: len(requests_posted(fake_slack)) == 1, what="Slack to post it")
    fake_slack.delay("chat.postMessage", 0)
    assert _count(empty_database_url, "SELECT status FROM outbox") == "sending"
    second = Serve(env, tmp_path)
    try:
        wait_until(
            lambda: _count(empty_database_url, "SELECT status FROM outbox") == "sent", what="recording"
        )
    finally:
        second.stop()
    assert len(requests_posted(fake_slack)) == 1
    assert _count(empty_database_url, "SELECT ts FROM outbox") == requests_posted(fake_slack)[0]["ts"]
