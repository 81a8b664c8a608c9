"""What each kind of outbox message becomes when it is sent: a Slack call built from the
row's payload, and for some kinds from the state of things at send time (an approval
request shows its submission as it is when the DM goes out, not as it was when queued).

Adding a kind: queue it with ``storage.outbox.enqueue(kind=...)`` in the service's
transaction, and register its renderer here with ``@renders("kind")``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from bot.errors import UserError
from bot.services import approvals, digest, forgotten, missing_hours
from bot.services import report as reports
from bot.services.approvals import Decision, EntryDecided
from bot.services.budgets import BudgetAlert
from bot.services.invoices import posts as invoice_posts
from bot.services.reminders import PendingReminder
from bot.services.report import publish as report_posts
from bot.views import approval as approval_views
from bot.views import budgets as budget_views
from bot.views import digest as digest_views
from bot.views import forgotten as forgotten_views
from bot.views import invoices as invoice_views
from bot.views import missing_hours as missing_hours_views
from bot.views import reminders as reminder_views
from bot.views import report as report_views
from bot.views import report_chart, report_files
from storage import outbox
from storage.models import OutboxStatus
from storage.outbox import OutboxRow

UPLOAD = "files.upload_v2"  # a file: files_upload_v2's three steps (bot.delivery)


@dataclass(frozen=True)
class Call:
    """A Slack Web API call. ``post``: a new message (chat.postMessage to ``channel``, or to
    the DM of the row's ``user_id``), tagged with the outbox key in its metadata; ``UPLOAD``:
    a file (``args``: filename, title, content) to the same place."""

    method: str
    args: dict[str, Any]
    post: bool = True


class Later(Exception):
    """Not yet: try again in ``seconds`` (not counted as a failed attempt)."""

    def __init__(self, seconds: float, why: str) -> None:
        super().__init__(why)
        self.seconds = seconds


@dataclass(frozen=True)
class Context:
    """What renderers may use beyond the database: links into Slack."""

    team_url: str | None = None  # https://<workspace>.slack.com/, from auth.test
    extra: dict[str, Any] = field(default_factory=dict)

    def permalink(self, channel: str | None, ts: str | None) -> str | None:
        if not (self.team_url and channel and ts):
            return None
        return f"{self.team_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"


Renderer = Callable[[Connection, OutboxRow, Context], Call | None]
RENDERERS: dict[str, Renderer] = {}


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        return fn

    return register


def render(conn: Connection, row: OutboxRow, context: Context) -> Call | None:
    """The call for this row; None when there is nothing to send any more."""
    renderer = RENDERERS.get(row.kind)
    if renderer is None:
        raise LookupError(f"no renderer for outbox kind {row.kind!r}")
    return renderer(conn, row, context)


@renders("message")
def _message(_conn: Connection, row: OutboxRow, _context: Context) -> Call:
    """A message rendered when it was queued (text and blocks in the payload)."""
    return Call("chat.postMessage", dict(row.payload))


@renders("approval_request")
def _approval_request(conn: Connection, row: OutboxRow, _context: Context) -> Call | None:
    overview = approvals.overview(conn, int(row.payload["submission"]))
    if overview is None:
        return None
    return Call("chat.postMessage", approval_views.approval_request(overview))


@renders("approval_redraw")
def _approval_redraw(conn: Connection, row: OutboxRow, _context: Context) -> Call | None:
    """The approver's DM redrawn from the submission as it is now. A request not sent yet
    needs no redraw (it will show the state it is sent in); one being sent is waited for."""
    submission_id = int(row.payload["submission"])
    request = outbox.by_key(conn, approvals.request_key(submission_id))
    if request is None or request.status in (OutboxStatus.FAILED, OutboxStatus.SKIPPED):
        return None
    if request.status != OutboxStatus.SENT:
        if request.status == OutboxStatus.PENDING and request.attempts == 0:
            return None
        raise Later(1.0, "the approval request is still being sent")
    overview = approvals.overview(conn, submission_id)
    if overview is None or not (request.channel and request.ts):
        return None
    args = {"channel": request.channel, "ts": request.ts, **approval_views.approval_request(overview)}
    return Call("chat.update", args, post=False)


@renders("decision_notice")
def _decision_notice(_conn: Connection, row: OutboxRow, _context: Context) -> Call:
    return Call("chat.postMessage", approval_views.submitter_notice(Decision(**row.payload)))


@renders("entry_notice")
def _entry_notice(_conn: Connection, row: OutboxRow, _context: Context) -> Call:
    return Call("chat.postMessage", approval_views.entry_notice(EntryDecided.from_payload(row.payload)))


@renders("pending_approvals")
def _pending_approvals(conn: Connection, row: OutboxRow, context: Context) -> Call | None:
    """An approver's daily reminder: the submissions still waiting, each linked to its DM."""
    reminder = PendingReminder.from_payload(row.payload)
    waiting = []
    for item in reminder.items:
        request = outbox.by_key(conn, approvals.request_key(item.submission))
        link = context.permalink(request.channel, request.ts) if request else None
        waiting.append((item, link))
    if not waiting:
        return None
    return Call("chat.postMessage", reminder_views.pending_approvals(reminder, waiting))


@renders(missing_hours.KIND)
def _missing_hours(conn: Connection, row: OutboxRow, _context: Context) -> Call | None:
    """A missing-hours nudge, from its days as they are when it goes out: nothing to send
    when they were filled (or taken off) meanwhile."""
    nudge = missing_hours.state(conn, row.payload)
    if nudge is None or not nudge.short:
        return None
    return Call("chat.postMessage", missing_hours_views.nudge(nudge))


@renders("missing_hours_redraw")
def _missing_hours_redraw(conn: Connection, row: OutboxRow, _context: Context) -> Call | None:
    """A nudge redrawn in place: its days as they are now (filled days ticked off)."""
    sent = outbox.by_key(conn, str(row.payload["nudge"]))
    if sent is None or sent.status in (OutboxStatus.FAILED, OutboxStatus.SKIPPED):
        return None
    if sent.status != OutboxStatus.SENT:
        raise Later(1.0, "the nudge is still being sent")
    nudge = missing_hours.state(conn, sent.payload)
    if nudge is None or not (sent.channel and sent.ts):
        return None
    return Call(
        "chat.update",
        {"channel": sent.channel, "ts": sent.ts, **missing_hours_views.nudge(nudge)},
        post=False,
    )


@renders("budget_alert")
def _budget_alert(_conn: Connection, row: OutboxRow, _context: Context) -> Call:
    """A budget past a threshold, with the figures as they were when it crossed (queued)."""
    return Call("chat.postMessage", budget_views.alert(BudgetAlert.from_payload(row.payload)))


@renders(forgotten.KIND)
def _forgotten_timer(conn: Connection, row: OutboxRow, _context: Context) -> Call | None:
    """A forgotten timer's question; nothing to send when that timer stopped meanwhile."""
    nudge = forgotten.Nudge.from_payload(row.payload)
    if not forgotten.still_running(conn, nudge):
        return None
    return Call("chat.postMessage", forgotten_views.nudge(nudge))


@renders(digest.KIND)
def _weekly_digest(conn: Connection, row: OutboxRow, _context: Context) -> Call:
    """A partner's weekly digest, from the state of things when it goes out."""
    return Call("chat.postMessage", digest_views.digest(digest.build(conn, row.payload, now=row.created_at)))


@renders(invoice_posts.FILE)
def _invoice_file(conn: Connection, row: OutboxRow, _context: Context) -> Call | None:
    """An invoice's (or credit note's, or draft's) PDF, as the builder stored it."""
    invoice_id = int(row.payload["invoice"])
    stored = invoice_posts.document_file(conn, invoice_id)
    found = invoice_posts.summary(conn, invoice_id)
    if stored is None or found is None:  # a draft discarded before its file went out
        return None
    filename, content = stored
    return Call(UPLOAD, {"filename": filename, "content": content, "title": invoice_views.file_title(found)})


@renders(invoice_posts.SUMMARY)
def _invoice_summary(conn: Connection, row: OutboxRow, context: Context) -> Call | None:
    """The invoice's summary and buttons, after its file (so they read in that order)."""
    found = invoice_posts.summary(conn, int(row.payload["invoice"]))
    if found is None:
        return None
    sent = outbox.by_key(conn, str(row.payload["file"]))
    if sent is not None and sent.status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
        raise Later(0.25, "the invoice's file is still being uploaded")
    failed = sent is not None and sent.status == OutboxStatus.FAILED
    return Call("chat.postMessage", invoice_views.summary(found, draft_post=bool(row.payload.get("draft")),
                                                          file_failed=failed))  # fmt: skip


@renders(invoice_posts.REDRAW)
def _invoice_redraw(conn: Connection, row: OutboxRow, _context: Context) -> Call | None:
    """A summary redrawn in place (sent, paid, void; a draft issued or discarded)."""
    posted = outbox.by_key(conn, str(row.payload["summary"]))
    if posted is None or posted.status in (OutboxStatus.FAILED, OutboxStatus.SKIPPED):
        return None
    if posted.status != OutboxStatus.SENT:
        if posted.status == OutboxStatus.PENDING and posted.attempts == 0:
            return None  # not sent yet: it will show the state it is sent in
        raise Later(1.0, "the invoice's summary is still being sent")
    if not (posted.channel and posted.ts):
        return None
    found = invoice_posts.summary(conn, int(row.payload["invoice"]))
    view = invoice_views.summary(found, draft_post=bool(row.payload.get("draft"))) if found else (
        invoice_views.discarded())  # fmt: skip
    return Call("chat.update", {"channel": posted.channel, "ts": posted.ts, **view}, post=False)


@renders(invoice_posts.NOTHING)
def _invoice_nothing(_conn: Connection, row: OutboxRow, _context: Context) -> Call:
    """A run that issued nothing: why, to its requester."""
    return Call("chat.postMessage", invoice_views.nothing(row.payload))


@renders(report_posts.CHART)
def _report_chart(_conn: Connection, row: OutboxRow, _context: Context) -> Call:
    """A report's chart, drawn from the figures its summary showed (matplotlib: here, on the
    sender's thread, never on a request's)."""
    chart = report_chart.Chart.from_payload(row.payload)
    return Call(
        UPLOAD, {"filename": chart.filename, "content": report_chart.png(chart), "title": chart.title}
    )


@renders(report_posts.FILE)
def _report_file(conn: Connection, row: OutboxRow, _context: Context) -> Call | None:
    """A report as CSV or XLSX, gathered when it goes out, for its reader as they are then."""
    wanted = report_posts.file_wanted(row.payload)
    try:
        found = reports.build(conn, str(row.user_id), wanted.request)
    except UserError:  # the reader is gone: nobody to send it to
        return None
    content = report_files.csv_bytes(found) if wanted.fmt == "csv" else report_files.xlsx_bytes(found)
    name = report_posts.filename(wanted.request, wanted.token, wanted.fmt)
    return Call(
        UPLOAD, {"filename": name, "content": content, "title": report_views.file_title(found, wanted.fmt)}
    )
