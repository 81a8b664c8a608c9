"""``punchcard serve`` as a real process: migrations on start, /healthz, and a restart that
loses nothing."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.conftest import BOT_TOKEN, FIRM_YAML
from tests.processes import PUNCHCARD, Serve, environment


def test_a_restart_with_a_running_timer_loses_nothing(
    fake_slack: Any, empty_database_url: str, tmp_path: Path
) -> None:
    env = environment(fake_slack, empty_database_url)
    firm = tmp_path / "firm.yaml"
    firm.write_text(FIRM_YAML)
    subprocess.run([*PUNCHCARD, "import", str(firm)], env=env, cwd=tmp_path, check=True, capture_output=True)

    first = Serve(env, tmp_path)
    started = time.time()
    assert "Timer running" in first.track(fake_slack, "start ACME-WEB Design across a restart")
    first.kill()
    time.sleep(2.2)
    second = Serve(env, tmp_path)
    try:
        answer = second.track(fake_slack, "stop")
        elapsed = time.time() - started
    finally:
        second.stop()
    assert "Saved 0:00 on *ACME-WEB* Website Redesign › Design — across a restart" in answer

    out = subprocess.run(
        [*PUNCHCARD, "export", "--format", "csv"],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    header, row = out.strip().splitlines()
    assert header.startswith("date,person,client,project")
    trail = subprocess.run(
        [*PUNCHCARD, "audit", "--entry", "1"],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "create" in trail and "by U0MEMBER" in trail and "stopped timer" in trail
    # The saved duration covers the time the process was down: >= 2.2 s, <= wall time.
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(empty_database_url)
    with engine.connect() as conn:
        seconds = conn.execute(text("SELECT duration_seconds FROM time_entries")).scalar_one()
    engine.dispose()
    assert 2 <= seconds <= elapsed + 1


def test_serve_refuses_missing_settings_with_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    result = subprocess.run([*PUNCHCARD, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "punchcard: SLACK_BOT_TOKEN is not set (the xoxb- token from OAuth & Permissions)"
    ]
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s", DATABASE_URL="mysql://x")
    result = subprocess.run([*PUNCHCARD, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
