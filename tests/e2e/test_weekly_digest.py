"""The weekly digest reaches each partner's DM on Monday morning, once, through the outbox."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from bot.scheduler import JOBS, run_job
from tests.conftest import FIRM_YAML, RunningApp, import_firm


def test_partner_gets_last_weeks_pace_budgets_and_approvals_once(running_app: RunningApp) -> None:
    app = running_app  # Tuesday Nov 17, 2026
    import_firm(app.db, FIRM_YAML, app.clock() - timedelta(days=21))
    app.say("log 2h acme Build footer on yesterday")
    assert "sent to" in app.say("submit")
    app.clock.set(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))  # Monday 08:00 in New York
    ran = run_job(app.db, JOBS["weekly-digest"], now=app.clock(), manual=True)
    assert ran is not None and ran.result == ["weekly-digest:U0PARTNER:2026-11-23"]
    assert run_job(app.db, JOBS["weekly-digest"], now=app.clock(), manual=True).result == []  # type: ignore[union-attr]
    deadline = time.monotonic() + 8
    while not [m for m in app.fake.posted("DU0PARTNER") if "Weekly digest" in m.get("text", "")]:
        assert time.monotonic() < deadline, app.fake.posted()
        time.sleep(0.05)
    [posted] = [m for m in app.fake.posted("DU0PARTNER") if "Weekly digest" in m.get("text", "")]
    text = json.dumps(posted["blocks"], ensure_ascii=False)
    assert "Nov 16 – Nov 22, 2026" in text
    assert "<@U0MEMBER> 2:00 of 40:00" in text  # no schedule: 8 h Monday to Friday
    assert "1 submission waiting for approval, 1 of them for you" in text
