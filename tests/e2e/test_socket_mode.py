"""``punchcard serve --socket`` as a real process, against fakes of the Web API and of Slack's
Socket Mode endpoint: commands and events arrive as envelopes, answers go back as acks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.conftest import BOT_TOKEN, FIRM_YAML
from tests.fakesocket import FakeSocketMode
from tests.signing import command_body

PUNCHCARD = [sys.executable, "-m", "bot.cli"]
APP_TOKEN = "xapp-1-A0PUNCH-1-fake"


@pytest.fixture
def socket_mode(fake_slack: Any) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as fake:
        fake_slack.socket_url = fake.url
        yield fake


def _environment(fake_slack: Any, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake_slack.url, DATABASE_URL=db_url,
               PYTHONPATH=str(Path(__file__).resolve().parents[2]), **extra)  # fmt: skip
    return env


def _command(text: str, user_id: str = "U0MEMBER") -> dict[str, Any]:
    """A slash command's fields, as Socket Mode carries them (a JSON object, not a form)."""
    return dict(parse_qsl(command_body(text, user_id=user_id)))


@pytest.fixture
def serving(
    fake_slack: Any, socket_mode: FakeSocketMode, empty_database_url: str, tmp_path: Path
) -> Iterator[None]:
    env = _environment(fake_slack, empty_database_url, SLACK_APP_TOKEN=APP_TOKEN)
    (tmp_path / "firm.yaml").write_text(FIRM_YAML)
    subprocess.run(
        [*PUNCHCARD, "import", "firm.yaml"], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    proc = subprocess.Popen([*PUNCHCARD, "serve", "--socket"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        socket_mode.wait_connected()
        yield
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
        assert b"Traceback" not in out, out.decode()


def test_commands_over_socket_mode_are_answered_in_their_acks(
    serving: None, socket_mode: FakeSocketMode, fake_slack: Any
) -> None:
    [opened] = fake_slack.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN  # the app-level token opens the socket, not the bot's

    sent = time.monotonic()
    ack = socket_mode.ack(socket_mode.send("slash_commands", _command("start ACME-WEB Design wireframes")))
    assert time.monotonic() - sent < 3
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "Timer running on *ACME-WEB* Website Redesign › Design — wireframes" in ack["payload"]["text"]

    ack = socket_mode.ack(socket_mode.send("slash_commands", _command("stop")))
    assert "Saved 0:00 on *ACME-WEB* Website Redesign › Design — wireframes" in ack["payload"]["text"]

    ack = socket_mode.ack(socket_mode.send("slash_commands", _command("log 0 acme")))
    assert ack["payload"]["text"].startswith(":warning:")


def test_events_over_socket_mode_reach_the_home_tab(
    serving: None, socket_mode: FakeSocketMode, fake_slack: Any
) -> None:
    event = {"type": "app_home_opened", "user": "U0MEMBER", "channel": "D0MEMBER", "tab": "home",
             "event_ts": f"{time.time():.6f}"}  # fmt: skip
    payload = {"type": "event_callback", "team_id": "T0FAKE", "api_app_id": "A0PUNCH", "event": event,
               "event_id": "Ev0HOME", "event_time": int(time.time())}  # fmt: skip
    ack = socket_mode.ack(socket_mode.send("events_api", payload))
    assert ack["envelope_id"] and not ack.get("payload")
    [publish] = fake_slack.wait_for("views.publish", timeout=10)
    assert publish.params["user_id"] == "U0MEMBER" and publish.params["view"]["type"] == "home"


def test_socket_mode_without_an_app_token_is_one_clear_line(fake_slack: Any, tmp_path: Path) -> None:
    env = _environment(fake_slack, f"sqlite:///{tmp_path / 'p.db'}")
    result = subprocess.run([*PUNCHCARD, "serve", "--socket"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "SLACK_APP_TOKEN" in result.stderr
