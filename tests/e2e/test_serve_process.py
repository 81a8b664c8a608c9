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


def test_a_token_slack_refuses_or_a_database_out_of_reach_is_one_line_and_nothing_else(
    fake_slack: Any, tmp_path: Path
) -> None:
    env = environment(fake_slack, f"sqlite:///{tmp_path / 'p.db'}")

    def serve(*args: str, **changes: str) -> list[str]:
        result = subprocess.run([*PUNCHCARD, "serve", *(args or ("--port", "9"))], env={**env, **changes},
                                cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert result.returncode == 2 and result.stdout == ""
        return result.stderr.splitlines()

    fake_slack.fail("auth.test", "invalid_auth")
    assert serve() == ["punchcard: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)"]
    # Slack out of reach: the client's retry and its error lines are held back.
    lines = serve(SLACK_API_URL="http://127.0.0.1:9/api/")
    assert lines == ["punchcard: SLACK_BOT_TOKEN could not be verified at http://127.0.0.1:9/api/: "
                     "<urlopen error [Errno 111] Connection refused>"]  # fmt: skip
    fake_slack.fail("apps.connections.open", "invalid_auth")
    assert serve("--socket", SLACK_APP_TOKEN="xapp-1-A0-1-x") == [
        "punchcard: SLACK_APP_TOKEN was refused by Slack (invalid_auth)"
    ]
    [line] = serve(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:9/test")
    assert line.startswith("punchcard: DATABASE_URL: cannot open the database: connection failed")
    assert "Connection refused" in line and "sqlalche.me" not in line
    [line] = serve(DATABASE_URL=f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    assert line == "punchcard: DATABASE_URL: cannot open the database: unable to open database file"
