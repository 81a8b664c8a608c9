"""``punchcard`` as real processes, for tests of serving, restarts and several processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.signing import command_body, post

PUNCHCARD = [sys.executable, "-m", "bot.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(fake: Any, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.url,
        DATABASE_URL=db_url,
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


class Serve:
    """``punchcard serve`` on a free port, up once /healthz answers."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [*PUNCHCARD, "serve", "--port", str(self.port)],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                self.proc.kill()
                raise AssertionError(f"serve did not come up:\n{out}")
            time.sleep(0.1)

    def track(self, fake: Any, text: str, *, user_id: str = "U0MEMBER") -> str:
        body = command_body(text, user_id=user_id, response_url=fake.response_url())
        status, _, payload = post(self.url + "/slack/events", body, SIGNING_SECRET)
        assert status == 200, payload
        return str(json.loads(payload)["text"])

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)  # a crash, not a clean shutdown
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
