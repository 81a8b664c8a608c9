"""``/track report`` after its ack, and the summary's **CSV** / **XLSX** buttons.

The report is gathered on the background pool (never on the serving loop or a listener's
thread: a million entries take most of a second), answered through the command's response
URL, and its chart (and a file asked for) queued to the reader's DM through the outbox.
Whoever reads or clicks is scoped by the service (a member sees their own time only), never
by what the button says.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

from bot import ids
from bot.context import Deps
from bot.report_words import ReportRequest
from bot.services import report
from bot.services.report import publish
from bot.slack import respond
from bot.views import refusals
from bot.views import report as views

logger = logging.getLogger(__name__)
SORRY = "Something went wrong on our side while building the report; nothing was sent."


def register(app: App, deps: Deps) -> None:
    @app.action(re.compile(f"^{ids.REPORT_FILE}:"))
    def report_file(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        fmt, value, url = action["action_id"].partition(":")[2], action.get("value"), body.get("response_url")
        user_id = body["user"]["id"]
        deps.background(lambda: send_file(deps, url, user_id, fmt, value))


def send_report(deps: Deps, response_url: str, user_id: str, wanted: ReportRequest) -> None:
    """``/track report``, gathered after the ack: the summary through the response URL, the
    chart (and the file asked for) to the reader's DM."""
    token, now = publish.token(response_url), deps.clock()
    try:
        with deps.db.transaction(read_only=True, snapshot=True) as conn:
            request = report.resolve(conn, wanted.first, wanted.last, wanted.grouping,
                                     client=wanted.client, project=wanted.project)  # fmt: skip
            found = report.build(conn, user_id, request)
        with deps.db.transaction() as conn:  # a short write of its own, after the long read
            publish.queue_chart(conn, user_id, found, request, token, now=now)
            if wanted.fmt:
                publish.queue_file(conn, user_id, request, wanted.fmt, token, now=now)
    except Exception as err:
        respond(response_url, views.refused(_explain(err)))
        return
    respond(response_url, views.summary(found, buttons=publish.button_value(request, token), file=wanted.fmt))


def send_file(deps: Deps, response_url: str | None, user_id: str, fmt: str, value: str | None) -> None:
    """A summary's CSV or XLSX button: the file to the clicker's DM (once per report)."""
    try:
        request, token = publish.from_button(value)
    except (ValueError, KeyError, TypeError):
        logger.warning("malformed report button value: %r", value)
        return
    try:
        with deps.db.transaction() as conn:
            queued = publish.queue_file(conn, user_id, request, fmt, token, now=deps.clock())
        message = views.file_queued(fmt, queued)
    except Exception as err:
        message = views.refused(_explain(err))
    if response_url:
        respond(response_url, message)


def _explain(err: Exception) -> str:
    if refusals.meant_for_people(err):
        return refusals.explain(err)
    logger.exception("a report failed", exc_info=err)
    return SORRY
