"""The outbox: queued once per key, claimed by one sender at a time, retried as Slack says."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.delivery import RetryPolicy, Sender
from bot.slack import outbox_client
from storage import outbox
from storage.db import Database
from storage.models import OutboxStatus
from tests.conftest import BOT_TOKEN

NOW = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
MESSAGE = {"text": "hello", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}]}


def queue(db: Database, key: str, **extra: Any) -> bool:
    with db.transaction() as conn:
        return outbox.enqueue(conn, key=key, kind="message", payload=MESSAGE, now=NOW, **extra)


def rows(db: Database) -> list[outbox.OutboxRow]:
    with db.transaction(read_only=True) as conn:
        return outbox.listing(conn, limit=1000)[::-1]


@pytest.fixture
def sender(db: Database, fake_slack: Any) -> Iterator[Sender]:
    yield Sender(
        db, outbox_client(BOT_TOKEN, fake_slack.url), policy=RetryPolicy(base=0.01, cap=0.05, attempts=3)
    )


def test_a_key_is_queued_once_and_a_rolled_back_change_queues_nothing(db: Database) -> None:
    assert queue(db, "k1", channel="C1") and not queue(db, "k1", channel="C1")
    with pytest.raises(RuntimeError), db.transaction() as conn:
        outbox.enqueue(conn, key="k2", kind="message", payload=MESSAGE, now=NOW, channel="C1")
        raise RuntimeError("the change failed")
    assert [r.key for r in rows(db)] == ["k1"]


def test_a_message_is_sent_with_its_key_in_the_metadata_and_recorded(
    db: Database, sender: Sender, fake_slack: Any
) -> None:
    queue(db, "welcome:U1", user_id="U1")
    assert sender.deliver_due() == 1
    [row] = rows(db)
    [posted] = fake_slack.posted("DU1")
    assert (row.status, row.channel, row.ts) == (OutboxStatus.SENT, "DU1", posted["ts"])
    assert posted["metadata"] == {"event_type": "punchcard_outbox", "event_payload": {"key": "welcome:U1"}}
    assert sender.deliver_due() == 0  # nothing is due any more


def test_two_senders_never_claim_the_same_message(db: Database, fake_slack: Any) -> None:
    for i in range(60):
        queue(db, f"m{i}", channel="C1")
    senders = [Sender(db, outbox_client(BOT_TOKEN, fake_slack.url), batch=7) for _ in range(3)]

    def drain(s: Sender) -> None:
        while s.deliver_due():
            pass

    threads = [threading.Thread(target=drain, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    keys = [m["metadata"]["event_payload"]["key"] for m in fake_slack.posted("C1")]
    assert sorted(keys) == sorted(f"m{i}" for i in range(60))  # each once
    assert all(r.status == OutboxStatus.SENT for r in rows(db))


def test_a_429_waits_retry_after_without_counting_and_a_permanent_error_fails_at_once(
    db: Database, sender: Sender, fake_slack: Any
) -> None:
    queue(db, "limited", channel="C1")
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=30)
    sender.deliver_due()
    [row] = rows(db)
    assert row.status == OutboxStatus.PENDING and row.attempts == 0 and "Retry-After 30" in row.last_error
    assert 25 < (row.due_at - datetime.now(UTC)).total_seconds() <= 31
    queue(db, "nowhere", channel="C0GONE")
    fake_slack.fail("chat.postMessage", "channel_not_found")
    sender.deliver_due()
    gone = next(r for r in rows(db) if r.key == "nowhere")
    assert (gone.status, gone.last_error) == (OutboxStatus.FAILED, "channel_not_found")


def test_after_the_attempts_allowed_a_message_fails_with_slacks_error(
    db: Database, sender: Sender, fake_slack: Any
) -> None:
    queue(db, "doomed", channel="C1")
    fake_slack.fail("chat.postMessage", "internal_error", times=3)
    [row] = rows(db)
    finished = sender.deliver_until_done([row.id], timeout=10)
    assert [(r.status, r.attempts, r.last_error) for r in finished] == [
        (OutboxStatus.FAILED, 3, "internal_error")
    ]
    assert fake_slack.posted("C1") == []
    with db.transaction() as conn:  # outbox retry: due again, attempts counted afresh
        assert outbox.requeue(conn, now=NOW, ids=[row.id]) == [row.id]
    assert [r.status for r in sender.deliver_until_done([row.id], timeout=10)] == [OutboxStatus.SENT]


def test_a_claim_whose_sender_died_is_taken_again_once_its_lease_ran_out(
    db: Database, fake_slack: Any
) -> None:
    queue(db, "orphan", channel="C1")
    with db.transaction() as conn:  # a sender claims it, then dies
        [claimed] = outbox.claim(conn, now=NOW, lease_until=NOW + timedelta(seconds=60), limit=10)
    with db.transaction() as conn:
        assert outbox.claim(conn, now=NOW + timedelta(seconds=30), lease_until=NOW, limit=10) == []
        [again] = outbox.claim(
            conn, now=NOW + timedelta(seconds=61), lease_until=NOW + timedelta(seconds=121), limit=10
        )
    assert again.id == claimed.id and again.uncertain and again.attempts == 2
