"""Two ``punchcard serve`` processes on one PostgreSQL database behave as one bot: each
scheduled tick runs once, each approver is reminded once a day, each message is sent once."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from storage.db import make_engine
from tests.processes import PUNCHCARD, Serve, environment


def working_zone(now: datetime) -> str:
    """A fixed-offset zone where it is now between 10:00 and 16:00 (Etc/GMT-3 is UTC+3)."""
    for hours in range(-12, 15):
        if 10 <= (now + timedelta(hours=hours)).hour < 16:
            return f"Etc/GMT{-hours:+d}" if hours else "Etc/UTC"
    raise AssertionError("some offset always has working hours")


def firm(zone: str) -> str:
    every_day = "{mon: 8, tue: 8, wed: 8, thu: 8, fri: 8, sat: 8, sun: 8}"
    return f"""
workspace: {{timezone: UTC, currency: USD, required_fields: [description]}}
people:
  - {{slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: {zone}, schedule: {every_day}}}
  - {{slack_id: U0LEAD, name: Lee Lead, role: member, timezone: {zone}, schedule: {every_day}}}
  - {{slack_id: U0MEMBER, name: Max Member, role: member, timezone: UTC}}
clients:
  - name: Acme Corp
    projects: [{{name: Website Redesign, code: ACME-WEB, approver: U0PARTNER, rate: 250}}]
  - name: Beta LLP
    approver: U0LEAD
    projects: [{{name: Tax Return, code: BETA-TAX}}]
"""


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def dms(fake: Any, key_prefix: str) -> list[str]:
    """Channels that got a message whose outbox key starts so, once per message."""
    return sorted(
        channel
        for channel, messages in fake.history.items()
        for m in messages
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith(key_prefix)
    )


def test_two_serve_processes_run_each_tick_once_and_remind_each_approver_once(
    fake_slack: Any, empty_database_url: str, tmp_path: Path
) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("several processes share a database on PostgreSQL (SQLite is for one process)")
    env = environment(fake_slack, empty_database_url)
    env.update(PUNCHCARD_CRON_PENDING_APPROVALS="* * * * * *", PUNCHCARD_OUTBOX_POLL="0.1")
    yaml = tmp_path / "firm.yaml"
    yaml.write_text(firm(working_zone(datetime.now(UTC))))
    subprocess.run([*PUNCHCARD, "import", str(yaml)], env=env, cwd=tmp_path, check=True, capture_output=True)

    first = Serve(env, tmp_path)
    second = Serve(env, tmp_path)
    try:
        first.track(fake_slack, "log 2h acme Build footer")
        second.track(fake_slack, "log 1h beta-tax Review the return")
        assert "sent to" in first.track(fake_slack, "submit")
        # The submissions have waited four days: every tick from now on finds them.
        query(empty_database_url, "UPDATE submissions SET created_at = created_at - interval '4 days'")
        time.sleep(6)  # six one-second ticks, raced for by both processes
        deadline = time.monotonic() + 15  # what the last ticks queued, delivered
        while query(empty_database_url, "SELECT count(*) FROM outbox WHERE status <> 'sent'")[0][0]:
            assert time.monotonic() < deadline, query(
                empty_database_url, "SELECT key, status, last_error FROM outbox"
            )
            time.sleep(0.2)
        runs = query(empty_database_url, "SELECT job, tick FROM job_runs WHERE tick IS NOT NULL")
    finally:
        first.stop()
        second.stop()
    ticks = [(job, tick) for job, tick in runs]  # several jobs may share a tick's time
    assert len(ticks) >= 4 and len(ticks) == len(set(ticks))  # each tick of each job once
    assert dms(fake_slack, "pending-approvals:") == ["DU0LEAD", "DU0PARTNER"]  # once a day each
    assert dms(fake_slack, "approval-request:") == ["DU0LEAD", "DU0PARTNER"]  # each message once
    outbox = query(empty_database_url, "SELECT key, status FROM outbox ORDER BY key")
    # On a Monday the weekly digest goes out too: only the approvals' messages are counted.
    approvals = [
        status for key, status in outbox if key.startswith(("pending-approvals:", "approval-request:"))
    ]
    assert approvals == ["sent"] * 4 and all(status == "sent" for _key, status in outbox)


def test_a_project_imported_while_two_serve_processes_run_is_found_by_both(
    fake_slack: Any, empty_database_url: str, tmp_path: Path
) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("several processes share a database on PostgreSQL (SQLite is for one process)")
    env = environment(fake_slack, empty_database_url)
    yaml = tmp_path / "firm.yaml"
    yaml.write_text(firm("Etc/UTC"))
    subprocess.run([*PUNCHCARD, "import", str(yaml)], env=env, cwd=tmp_path, check=True, capture_output=True)
    first, second = Serve(env, tmp_path), Serve(env, tmp_path)
    try:
        # Both have the catalog in memory now (the project index), before the import below.
        assert "Timer running" in first.track(fake_slack, "start acme-web Build the footer")
        assert "Timer running" in second.track(fake_slack, "start beta-tax Review", user_id="U0LEAD")
        assert "No active project matches" in second.track(
            fake_slack, "start NEWCO-1 Kickoff", user_id="U0LEAD"
        )
        yaml.write_text(firm("Etc/UTC").replace(
            "  - name: Beta LLP", "  - name: Newco\n    projects: [{name: Launch, code: NEWCO-1}]\n  - name: Beta LLP"))  # fmt: skip
        done = subprocess.run([*PUNCHCARD, "import", str(yaml)], env=env, cwd=tmp_path, capture_output=True)
        assert done.returncode == 0, done.stderr
        # Whichever process answers, the new project is there, and the timers are one set.
        assert "Timer running on *NEWCO-1*" in second.track(
            fake_slack, "start NEWCO-1 Kickoff", user_id="U0LEAD"
        )
        assert "NEWCO-1" in first.track(fake_slack, "status", user_id="U0LEAD")
        assert "ACME-WEB" in second.track(fake_slack, "status")
    finally:
        first.stop()
        second.stop()
