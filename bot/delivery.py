"""The outbox sender: claims due messages, sends them to Slack, records what Slack said.

What is exactly once, and what is at least once:
- Queuing is exactly once per key: the row is written in the transaction of the change that
  causes it, under a unique key, so a retried request or a double click queues it once.
- Sending is at least once, with the window kept small: a message is recorded as sent right
  after Slack accepts it. If the sender dies (or the call times out, or Slack answers 5xx)
  between Slack accepting and the record, the row is marked ``uncertain``, and before it is
  sent again the sender looks for it in the channel by the metadata every post carries
  (``punchcard_outbox`` / its key). Only a message Slack accepted but does not yet show in
  the channel's history could be sent twice.

Nothing here holds a database transaction while it waits on Slack: claiming and recording
are short transactions of their own, and the HTTP calls run between them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import messages, metrics
from bot.messages import Call, Context, Later
from bot.services.clock import utcnow
from storage import outbox
from storage.db import Database
from storage.models import OutboxStatus
from storage.outbox import OutboxRow

logger = logging.getLogger(__name__)

METADATA_TYPE = "punchcard_outbox"
# Slack errors that another attempt cannot fix: the message fails at once.
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "msg_too_long", "no_text", "invalid_blocks",
    "invalid_blocks_format", "user_not_found", "cannot_dm_bot", "restricted_action", "message_not_found",
    "cant_update_message", "invalid_arguments", "account_inactive", "too_many_attachments",
})  # fmt: skip
# Errors after which Slack may have posted the message all the same.
MAYBE_POSTED = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``base`` seconds, doubled per attempt up to ``cap``, +-20%
    jitter; after ``attempts`` failed attempts the message is marked failed."""

    base: float = 2.0
    cap: float = 900.0
    attempts: int = 10

    def delay(self, attempt: int) -> float:
        return min(self.cap, self.base * 2 ** max(0, attempt - 1)) * random.uniform(0.8, 1.2)


@dataclass(frozen=True)
class Outcome:
    sent: bool = False
    retry_in: float | None = None  # seconds; None with sent False: failed for good
    uncertain: bool = False
    counted: bool = True
    error: str = ""
    channel: str | None = None
    ts: str | None = None


class Sender:
    """Delivers the outbox of one database; several senders (threads, processes) may run."""

    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        clock: Callable[[], datetime] = utcnow,
        policy: RetryPolicy | None = None,
        lease: timedelta = timedelta(seconds=60),
        batch: int = 20,
    ) -> None:
        self.db = db
        self.client = client
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.lease = lease
        self.batch = batch
        self._wake = threading.Event()
        self._context: Context | None = None
        self._soon: float | None = None  # seconds until the soonest retry this sender recorded
        outbox.on_enqueue(db.engine, self._wake.set)

    def wake(self) -> None:
        self._wake.set()

    def run(self, stop: threading.Event, *, poll: float = 1.0) -> None:
        """Deliver until ``stop`` is set: at once when this process queues something, else
        every ``poll`` seconds (another process's messages, retries falling due)."""
        while not stop.is_set():
            try:
                delivered = self.deliver_due()
            except Exception:
                logger.exception("outbox delivery failed; trying again shortly")
                delivered = 0
            if delivered < self.batch:  # a full batch: more may be due, go on at once
                # A message put off a moment (Later: it follows another being sent) is looked
                # at again when it falls due, not a poll later.
                soon, self._soon = self._soon, None
                self._wake.wait(poll if soon is None else max(0.01, min(poll, soon)))
                self._wake.clear()

    def deliver_due(self, *, ids: Iterable[int] | None = None) -> int:
        """One round: claim up to a batch of due messages, render them, send each, and record
        the outcomes together; how many were claimed. A message sent and not yet recorded
        when the sender dies stays claimed until its lease ends, then is looked for before it
        is sent again; a round that runs long puts back what it has not sent by half the lease."""
        claimed = self._claim(ids)
        if not claimed:
            return 0
        began = time.monotonic()
        calls = self._render(claimed)
        outcomes: list[tuple[OutboxRow, Outcome, bool]] = []
        for row in claimed:
            if time.monotonic() - began > self.lease.total_seconds() / 2:
                outcomes.append(
                    (row, Outcome(retry_in=0, counted=False, error="put back: a slow round"), False)
                )
                continue
            outcomes.append(self._outcome(row, calls[row.id]))
        self._record(outcomes)
        return len(claimed)

    def _claim(self, ids: Iterable[int] | None) -> list[OutboxRow]:
        now = self.clock()
        with self.db.transaction() as conn:
            return outbox.claim(conn, now=now, lease_until=now + self.lease, limit=self.batch, ids=ids)

    def _render(self, rows: list[OutboxRow]) -> dict[int, Call | None | Exception]:
        """Each row's call (None: nothing to send), or what stopped it, read in one transaction."""
        out: dict[int, Call | None | Exception] = {}
        context = self._slack_context()
        with self.db.transaction(read_only=True) as conn:
            for row in rows:
                try:
                    out[row.id] = messages.render(conn, row, context)
                except Exception as err:
                    out[row.id] = err
        return out

    def deliver_until_done(self, ids: list[int], *, timeout: float = 60.0) -> list[OutboxRow]:
        """Send these messages (``jobs run``, ``outbox retry``), waiting out retries, until
        each is sent, failed or skipped, or ``timeout`` passes; their rows as they end."""
        deadline = time.monotonic() + timeout
        while True:
            self.deliver_due(ids=ids)
            with self.db.transaction(read_only=True) as conn:
                rows = outbox.by_ids(conn, ids)
            open_rows = [r for r in rows if r.status in (OutboxStatus.PENDING, OutboxStatus.SENDING)]
            if not open_rows or time.monotonic() >= deadline:
                return rows
            soonest = min((r.due_at for r in open_rows if r.status == OutboxStatus.PENDING), default=None)
            wait = 0.2 if soonest is None else (soonest - self.clock()).total_seconds()
            time.sleep(min(max(wait, 0.01), max(0.0, deadline - time.monotonic())))

    def _outcome(self, row: OutboxRow, call: Call | None | Exception) -> tuple[OutboxRow, Outcome, bool]:
        """(row, what became of it, whether it was skipped: nothing to send any more)."""
        if call is None:
            return row, Outcome(error="nothing to send any more"), True
        if isinstance(call, Later):
            return row, Outcome(retry_in=call.seconds, counted=False, error=str(call)), False
        if isinstance(call, Exception):  # a renderer's bug or a database hiccup: retried, logged
            logger.error("outbox message %s (%s) could not be rendered", row.id, row.key, exc_info=call)
            return (
                row,
                Outcome(retry_in=self.policy.delay(row.attempts), error=f"{type(call).__name__}: {call}"),
                False,
            )
        try:
            return row, self._send(row, call), False
        except Exception as err:
            logger.exception("outbox message %s (%s) could not be sent", row.id, row.key)
            return (
                row,
                Outcome(retry_in=self.policy.delay(row.attempts), uncertain=call.post, error=str(err)),
                False,
            )

    def _send(self, row: OutboxRow, call: Call) -> Outcome:
        channel = row.channel
        try:
            if call.method == messages.UPLOAD:
                return self._upload(row, call, channel or self._dm_channel(row))
            if call.post:
                if channel is None:
                    channel = self._dm_channel(row)
                if row.uncertain:
                    ts = self._look_for(channel, row)
                    if ts is not None:
                        logger.info("outbox %s was already posted (found by its metadata)", row.key)
                        return Outcome(sent=True, channel=channel, ts=ts)
                metadata = {"event_type": METADATA_TYPE, "event_payload": {"key": row.key}}
                answer = self.client.api_call(
                    "chat.postMessage", json={**call.args, "channel": channel, "metadata": metadata}
                )
                return Outcome(sent=True, channel=answer.get("channel") or channel, ts=answer.get("ts"))
            answer = self.client.api_call(call.method, json=call.args)
            return Outcome(sent=True, channel=answer.get("channel") or call.args.get("channel"),
                           ts=answer.get("ts") or call.args.get("ts"))  # fmt: skip
        except SlackApiError as err:
            return self._failed(row, err)
        except (SlackClientError, OSError, ValueError) as err:  # no answer: it may have arrived
            return Outcome(retry_in=self.policy.delay(row.attempts), uncertain=call.post,
                           error=f"{type(err).__name__}: {err}")  # fmt: skip

    def _upload(self, row: OutboxRow, call: Call, channel: str) -> Outcome:
        """A file, with ``files_upload_v2`` (files.getUploadURLExternal, the bytes to the
        upload URL, files.completeUploadExternal). Files carry no metadata: one whose last
        attempt may have reached Slack is looked for in the channel by its file name (an
        invoice's number makes it unique) before it is uploaded again."""
        filename = str(call.args["filename"])
        if row.uncertain and self._look_for(channel, row, filename=filename) is not None:
            logger.info("outbox %s was already uploaded (found by its file name)", row.key)
            return Outcome(sent=True, channel=channel)
        self.client.files_upload_v2(channel=channel, **call.args)
        return Outcome(sent=True, channel=channel)

    def _failed(self, row: OutboxRow, err: SlackApiError) -> Outcome:
        response = err.response
        status = getattr(response, "status_code", 0) or 0
        data = response.data if isinstance(getattr(response, "data", None), dict) else {}
        error = str(data.get("error") or "")
        if status != 200 or not error:  # a gateway's page, not Slack's answer
            error = f"HTTP {status}" + (f": {error[:200]}" if error else "")
        if status == 429:
            retry_after = float((response.headers or {}).get("Retry-After") or
                                (response.headers or {}).get("retry-after") or 1)  # fmt: skip
            return Outcome(
                retry_in=retry_after, counted=False, error=f"rate limited (Retry-After {retry_after:g} s)"
            )
        if error in PERMANENT:
            return Outcome(error=error)
        uncertain = status >= 500 or error in MAYBE_POSTED
        return Outcome(retry_in=self.policy.delay(row.attempts), uncertain=uncertain, error=error)

    def _record(self, outcomes: list[tuple[OutboxRow, Outcome, bool]]) -> None:
        now = self.clock()
        sent = [(row.id, o.channel, o.ts) for row, o, _skipped in outcomes if o.sent]
        with self.db.transaction() as conn:
            # A record lost in a crash leaves the row claimed: the next claim looks for the
            # message before sending it again, so the commit need not wait for the disk.
            outbox.synchronous_commit_off(conn)
            outbox.record_sent(conn, sent, now=now)
            for row, outcome, skipped in outcomes:
                if outcome.sent:
                    continue
                if skipped:
                    outbox.record_final(conn, row.id, status=OutboxStatus.SKIPPED, error=outcome.error)
                elif outcome.retry_in is None or (outcome.counted and row.attempts >= self.policy.attempts):
                    logger.warning("outbox message %s (%s) failed: %s", row.id, row.key, outcome.error)
                    metrics.OUTBOX_FAILURES.labels(row.kind, "yes").inc()
                    outbox.record_final(conn, row.id, status=OutboxStatus.FAILED, error=outcome.error)
                else:
                    if outcome.counted:  # a real failure, not a message put off a moment
                        metrics.OUTBOX_FAILURES.labels(row.kind, "no").inc()
                    self._soon = min(self._soon or outcome.retry_in, outcome.retry_in)
                    outbox.record_retry(
                        conn, row.id, error=outcome.error, due_at=now + timedelta(seconds=outcome.retry_in),
                        uncertain=row.uncertain or outcome.uncertain, count=outcome.counted,
                    )  # fmt: skip

    def _dm_channel(self, row: OutboxRow) -> str:
        if not row.user_id:
            raise ValueError(f"outbox message {row.key} has neither a channel nor a person")
        opened = self.client.conversations_open(users=row.user_id)
        return str(opened["channel"]["id"])

    def _look_for(self, channel: str, row: OutboxRow, *, filename: str | None = None) -> str | None:
        """``_find``, except that a history Slack will not show (a missing scope) does not stop
        the message: it is sent, at the small risk of a second copy."""
        try:
            return self._find(channel, row, filename=filename)
        except SlackApiError as err:
            status = getattr(err.response, "status_code", 0) or 0
            if status == 429 or status >= 500:
                raise
            logger.warning(
                "could not look for outbox %s in %s: %s", row.key, channel, err.response.get("error")
            )
            return None

    def _find(self, channel: str, row: OutboxRow, *, filename: str | None = None) -> str | None:
        """The ts of the message this row posted earlier, found in the channel by metadata
        (or, for a file, by its name)."""
        oldest = f"{(row.created_at - timedelta(minutes=1)).timestamp():.6f}"
        cursor: str | None = None
        for _page in range(5):
            args: dict[str, Any] = {
                "channel": channel,
                "oldest": oldest,
                "limit": 200,
                "include_all_metadata": True,
            }
            if cursor:
                args["cursor"] = cursor
            history = self.client.conversations_history(**args)
            for message in history.get("messages") or []:
                metadata = message.get("metadata") or {}
                if filename is not None:
                    if any(f.get("name") == filename for f in message.get("files") or []):
                        return str(message.get("ts"))
                elif (
                    metadata.get("event_type") == METADATA_TYPE
                    and (metadata.get("event_payload") or {}).get("key") == row.key
                ):
                    return str(message.get("ts"))
            cursor = ((history.get("response_metadata") or {}).get("next_cursor")) or None
            if not cursor:
                break
        return None

    def _slack_context(self) -> Context:
        if self._context is None:
            try:
                self._context = Context(team_url=self.client.auth_test().get("url"))
            except (SlackApiError, SlackClientError, OSError) as err:
                logger.warning("auth.test failed, messages go without links for now: %s", err)
                return Context()
        return self._context
