"""What a report sends on its own, through the outbox: its chart, and its CSV or XLSX file on
request, each uploaded to the reader's DM (``files_upload_v2``), retried, and sent once.

- ``report-chart``: the figures the summary showed, in the payload (a few dozen numbers), drawn
  into a PNG by the renderer when it goes out (``bot.views.report_chart``, off the request);
- ``report-file``: the request, gathered again by the renderer when it goes out (for the reader
  as they are then: a member's own time, everyone's for a partner or admin) and written as
  CSV or XLSX.

Keys name what makes each unique: the reader, the report (a token of the command's response
URL, which Slack makes for each command) and the kind, so a retried request or a second click
on **CSV** queues nothing new.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.errors import UserError
from bot.services.report import Group, Report, Request, weeks
from storage import outbox

CHART, FILE = "report-chart", "report-file"
FORMATS = ("csv", "xlsx")
TOP = 12  # groups a chart shows; the rest are counted


def token(response_url: str) -> str:
    """A report's name in keys and file names: the same for a request Slack retried."""
    return hashlib.sha256(response_url.encode()).hexdigest()[:12]


def chart_payload(report: Report) -> dict[str, Any]:
    """The chart's data: hours per week, billable and not, when not grouped; else the top
    groups' (the rest counted in ``more``)."""
    base = {"first": report.first.isoformat(), "last": report.last.isoformat(), "grouping": report.grouping,
            "everyone": report.everyone, "person": report.person, "client": report.client,
            "project": report.project, "hours": float(report.total.hours),
            "billable_hours": float(report.total.billable_hours)}  # fmt: skip
    if report.grouping is None:
        spans = weeks(report)
        return {**base, "labels": [monday.isoformat() for monday, _ in spans],
                "billable": [float(f.billable_hours) if f else 0.0 for _, f in spans],
                "other": [float(f.hours - f.billable_hours) if f else 0.0 for _, f in spans],
                "more": 0}  # fmt: skip
    top = report.groups[:TOP]
    return {**base, "labels": [_label(report, g) for g in top],
            "billable": [float(g.figures.billable_hours) for g in top],
            "other": [float(g.figures.hours - g.figures.billable_hours) for g in top],
            "more": len(report.groups) - len(top)}  # fmt: skip


def _label(report: Report, group: Group) -> str:
    return f"{group.label} · {group.detail}" if report.grouping == "project" and group.detail else group.label


def filename(request: Request, report_token: str, extension: str) -> str:
    """Unique per report and format: an upload whose outcome was uncertain is looked for in
    the DM by its file name before it is uploaded again."""
    by = f"-by-{request.grouping}" if request.grouping else ""
    return f"report-{request.first.isoformat()}-{request.last.isoformat()}{by}-{report_token}.{extension}"


def queue_chart(conn: Connection, reader: str, report: Report, request: Request, report_token: str,
                *, now: datetime) -> bool:  # fmt: skip
    """The chart to the reader's DM; False when it was queued before (or there is no time)."""
    if not report.total.entries:
        return False
    payload = {**chart_payload(report), "filename": filename(request, report_token, "png")}
    return outbox.enqueue(conn, key=f"report:{reader}:{report_token}:chart", kind=CHART, payload=payload,
                          now=now, user_id=reader)  # fmt: skip


def queue_file(conn: Connection, reader: str, request: Request, fmt: str, report_token: str,
               *, now: datetime) -> bool:  # fmt: skip
    """The report as CSV or XLSX to the reader's DM; False when it was queued before."""
    if fmt not in FORMATS:
        raise UserError(f"`{fmt}` is not a file format; ask for `csv` or `xlsx`.")
    payload = {"request": request.to_payload(), "format": fmt, "token": report_token}
    return outbox.enqueue(conn, key=f"report:{reader}:{report_token}:{fmt}", kind=FILE, payload=payload,
                          now=now, user_id=reader)  # fmt: skip


@dataclass(frozen=True)
class FileWanted:
    request: Request
    fmt: str
    token: str


def file_wanted(payload: dict[str, Any]) -> FileWanted:
    """A ``report-file`` row's payload, read back."""
    return FileWanted(Request.from_payload(payload["request"]), str(payload["format"]), str(payload["token"]))


def button_value(request: Request, report_token: str) -> str:
    """What a summary's CSV and XLSX buttons carry: the request (its names resolved to ids)
    and the report's token. Who clicks is decided from the click, never from this."""
    return json.dumps({**request.to_payload(), "t": report_token}, separators=(",", ":"))


def from_button(value: str | None) -> tuple[Request, str]:
    """A button's value read back; ValueError when it is not one of ours."""
    data = json.loads(value or "")
    if not isinstance(data, dict) or not isinstance(data.get("t"), str) or not data["t"].isalnum():
        raise ValueError("not a report button")
    return Request.from_payload(data), data["t"][:32]
