"""``/track report`` end to end through signed requests and the fake Slack: the ack answers at
once, the summary comes through the response URL after it, the chart reaches the reader's DM
as a PNG through files_upload_v2's three steps (once), and the CSV / XLSX buttons upload the
files the same way; a member's report is their own time, without value."""

from __future__ import annotations

import csv
import io
import struct
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot import ids
from tests.conftest import RunningApp, import_firm, interact
from tests.e2e.test_invoices import DECEMBER, FIRM, PARTNER, dumped, wait_until
from tests.unit.test_invoice_build import approved

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".screenshots"


@pytest.fixture
def app(running_app: RunningApp) -> Iterator[RunningApp]:
    running_app.clock.set(DECEMBER)
    import_firm(running_app.db, FIRM, DECEMBER)
    approved(running_app.db, "WEB", date(2026, 11, 3), "1.5", task="Design")
    approved(running_app.db, "WEB", date(2026, 11, 4), "2", task="Build")
    approved(running_app.db, "WEB", date(2026, 11, 18), "3", task="Design", who="U0PARTNER")
    approved(running_app.db, "RET", date(2026, 11, 12), "4", who="U0PARTNER")
    yield running_app


def uploads(app: RunningApp, count: int) -> list[tuple[str, bytes, str]]:
    """(file name, bytes, channel) of the first ``count`` files uploaded, once all are shared."""
    app.fake.wait_for("files.completeUploadExternal", count=count, timeout=60)
    names = [c.params["filename"] for c in app.fake.calls_to("files.getUploadURLExternal")]
    bodies = [c.params["body"] for c in app.fake.calls_to("file_upload")]
    channels = [c.params["channel_id"] for c in app.fake.calls_to("files.completeUploadExternal")]
    return list(zip(names, bodies, channels, strict=True))[:count]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def click(app: RunningApp, user: dict[str, Any], summary: dict[str, Any], fmt: str) -> None:
    button = next(e for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == f"{ids.REPORT_FILE}:{fmt}")  # fmt: skip
    status, _ = interact(app, {
        "type": "block_actions", "user": user, "channel": {"id": "C0GENERAL"},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "C0GENERAL", "is_ephemeral": True},
        "response_url": app.fake.response_url(),
        "actions": [{"action_id": button["action_id"], "block_id": ids.REPORT_FILES_BLOCK, "type": "button",
                     "value": button["value"]}],
    })  # fmt: skip
    assert status == 200


def test_report_last_month_by_project_answers_then_posts_the_summary_and_a_png_chart_to_the_dm(
    app: RunningApp,
) -> None:
    started = time.perf_counter()
    answer = app.say("report last month by project", user_id="U0PARTNER")
    assert time.perf_counter() - started < 1.0
    assert answer == "Building your report…"
    summary = app.fake.wait_for("response_url", timeout=30)[0].params
    said = dumped(summary)
    assert summary["response_type"] == "ephemeral"
    assert "Report · November 2026" in said and "by project · everyone's time" in said
    assert "*WEB* Website" in said and "*RET* Support" in said and "10.50 h" in said
    # Frozen at approval: Design 4.5 h x 300 and Build 2 h x 250 on WEB; 4 h x 180 on RET.
    assert "$1,850.00" in said and "$720.00" in said and "$2,570.00" in said
    ((name, body, channel),) = uploads(app, 1)
    assert name.startswith("report-2026-11-01-2026-11-30-by-project-") and name.endswith(".png")
    assert channel == "DU0PARTNER"  # the reader's DM, opened with conversations.open
    assert png_size(body) == (1200, 675) and len(body) > 10_000
    assert [c.method for c in app.fake.calls if c.method.startswith("file")] == [
        "files.getUploadURLExternal", "file_upload", "files.completeUploadExternal"]  # fmt: skip
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "report-last-month-by-project.png").write_bytes(body)


def test_the_csv_and_xlsx_buttons_upload_the_files_to_the_clickers_dm_once(app: RunningApp) -> None:
    app.say("report last month by task", user_id="U0PARTNER")
    summary = app.fake.wait_for("response_url", timeout=30)[0].params
    uploads(app, 1)  # the chart
    click(app, PARTNER, summary, "csv")
    assert "CSV file is on its way" in dumped(app.fake.wait_for("response_url", count=2)[1].params)
    name, body, channel = uploads(app, 2)[1]
    assert name.endswith(".csv") and channel == "DU0PARTNER"
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [(r["task"], r["hours"], r["value_USD"]) for r in rows] == [
        ("WEB › Design", "4.50", "1350.00"), ("RET › (no task)", "4.00", "720.00"),
        ("WEB › Build", "2.00", "500.00"), ("Total", "10.50", "2570.00")]  # fmt: skip
    click(app, PARTNER, summary, "csv")  # again: nothing new
    assert "sent to your DM already" in dumped(app.fake.wait_for("response_url", count=3)[2].params)
    click(app, PARTNER, summary, "xlsx")
    name, body, _ = uploads(app, 3)[2]
    assert name.endswith(".xlsx") and body[:2] == b"PK"
    time.sleep(0.3)
    assert len(app.fake.calls_to("files.completeUploadExternal")) == 3


def test_a_members_report_is_their_own_time_without_value(app: RunningApp) -> None:
    app.say("report last month by person as csv", user_id="U0MEMBER")
    said = dumped(app.fake.wait_for("response_url", timeout=30)[0].params)
    assert "your time" in said and "Max Member" in said and "Ada Partner" not in said
    assert "Value" not in said and "$" not in said and "3.50 h" in said
    files = uploads(app, 2)
    assert {n.rsplit(".", 1)[1] for n, _b, _c in files} == {"png", "csv"}
    body = next(b for n, b, _c in files if n.endswith(".csv"))
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [r["person"] for r in rows] == ["Max Member", "Total"] and "value_USD" not in rows[0]
    assert {c for _n, _b, c in files} == {"DU0MEMBER"}


def test_wrong_words_are_answered_in_the_ack_with_the_right_form(app: RunningApp) -> None:
    answer = app.say("report last month by colour", user_id="U0PARTNER")
    assert "`by colour` is not a grouping" in answer and "/track report" in answer
    unknown = app.say("report last month client Initech", user_id="U0PARTNER")
    assert unknown == "Building your report…"
    said = dumped(app.fake.wait_for("response_url", timeout=30)[0].params)
    assert "No client is named 'Initech'" in said
    time.sleep(0.3)
    assert not app.fake.calls_to("files.getUploadURLExternal")


def test_a_period_without_time_says_so_and_sends_no_chart(app: RunningApp) -> None:
    app.say("report 2026-01", user_id="U0PARTNER")
    said = dumped(app.fake.wait_for("response_url", timeout=30)[0].params)
    assert "No time tracked in this period" in said
    time.sleep(0.3)
    assert not app.fake.calls_to("files.getUploadURLExternal")


def test_the_chart_is_drawn_once_even_when_the_upload_fails_first(app: RunningApp) -> None:
    app.fake.fail("files.completeUploadExternal", "internal_error")
    app.say("report last month", user_id="U0PARTNER")
    wait_until(lambda: len(app.fake.calls_to("files.completeUploadExternal")) >= 2)
    time.sleep(0.3)
    shared = [m for m in app.fake.history.get("DU0PARTNER", []) if m.get("upload")]
    assert len(shared) == 1 and shared[0]["files"][0]["name"].endswith(".png")
