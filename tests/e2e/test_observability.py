"""What an operator sees: ``GET /metrics`` (requests by route and kind, job runs, the outbox's
depth and failures, Slack API errors by method), one log line per request, and never a
token, a signature secret or a share link in the logs."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bot.scheduler import JOBS, run_job
from bot.services import sharing
from storage.db import Database, make_engine
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, RunningApp
from tests.processes import PUNCHCARD, Serve, environment


def samples(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
        assert r.headers["Content-Type"].startswith("text/plain")
        text = r.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}  # fmt: skip


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_metrics_count_requests_jobs_the_outbox_and_slack_errors(firm: None, running_app: RunningApp) -> None:
    app = running_app
    before = samples(app.url)
    app.say("log 1h acme Build footer")
    assert get(app.url + "/r/" + "x" * 40) == 404
    assert get(app.url + "/healthz") == 200
    app.fake.fail("chat.postMessage", "channel_not_found")  # the approval request fails for good
    assert "sent to Ada Partner" in app.say("submit")
    from tests.e2e.test_approvals import wait_until

    wait_until(lambda: value(samples(app.url), "punchcard_outbox_messages", status="failed") == 1)
    run_job(app.db, JOBS["pending-approvals"], now=app.clock(), tick=app.clock())
    after = samples(app.url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("punchcard_request_seconds_count", route="slack", kind="track:log", outcome="ok") == 1
    assert grew("punchcard_request_seconds_count", route="slack", kind="track:submit", outcome="ok") == 1
    assert grew("punchcard_request_seconds_count", route="share", kind="page", outcome="refused") == 1
    assert grew("punchcard_request_seconds_count", route="healthz", kind="get", outcome="ok") == 1
    assert grew("punchcard_slack_api_errors_total", method="chat.postMessage", error="channel_not_found") == 1
    assert grew("punchcard_outbox_failures_total", kind="approval_request", final="yes") == 1
    assert grew("punchcard_job_runs_total", job="pending-approvals", outcome="done") == 1
    assert grew("punchcard_job_seconds_count", job="pending-approvals") == 1
    # A /track text is the person's: it never becomes a label.
    app.say("frobnicate the widgets")
    labels = {dict(k[1]).get("kind") for k in samples(app.url) if k[0] == "punchcard_request_seconds_count"}
    assert "track:other" in labels and not any("frobnicate" in str(k) for k in labels)


FIRM = """
workspace: {timezone: UTC, currency: USD}
people:
  - {slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: UTC, rate: 400}
  - {slack_id: U0MEMBER, name: Max Member, role: member, timezone: UTC, rate: 150}
clients:
  - name: Acme Corp
    projects: [{name: Website, code: ACME-WEB, approver: U0PARTNER, rate: 250}]
"""


def test_a_serve_process_logs_a_line_per_request_and_no_secret(fake_slack: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'punchcard.db'}"
    env = environment(fake_slack, url)
    (tmp_path / "firm.yaml").write_text(FIRM)
    subprocess.run(
        [*PUNCHCARD, "import", "firm.yaml"], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    db = Database(make_engine(url))
    with db.transaction() as conn:
        token = sharing.create(conn, "cli", client="Acme", descriptions=True, now=datetime.now(UTC)).token
    serve = Serve(env, tmp_path)
    try:
        assert "Logged 2:00" in serve.track(fake_slack, "log 2h acme-web Build the footer")
        serve.track(fake_slack, "submit")
        assert get(f"{serve.url}/r/{token}") == 200
        assert get(f"{serve.url}/r/{token}/hours.csv") == 200
        with db.transaction() as conn:
            sharing.revoke(conn, "cli", token=token, now=datetime.now(UTC))
        assert get(f"{serve.url}/r/{token}") == 404
        assert get(f"{serve.url}/metrics") == 200
    finally:
        serve.stop()
        db.engine.dispose()
    logs = serve.proc.stdout.read().decode() if serve.proc.stdout else ""
    for secret in (BOT_TOKEN, SIGNING_SECRET, token, token[:20]):
        assert secret not in logs, secret
    lines = [line for line in logs.splitlines() if "punchcard.requests" in line]
    assert any("route=slack kind=track:log status=200" in line for line in lines), logs[-2000:]
    assert any("route=share kind=page status=200" in line for line in lines)
    assert any("route=share kind=page status=404" in line for line in lines)
    assert any("route=share_csv kind=csv status=200" in line for line in lines)
    assert all(" ms=" in line for line in lines)
