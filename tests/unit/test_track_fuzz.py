"""Arbitrary text to /track never raises and never writes anything when it is refused."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.context import Deps
from bot.errors import UserError
from bot.listeners.commands import run_track
from bot.parsing import parse
from storage.db import Database
from storage.models import RunningTimer, TimeEntry
from tests.conftest import session_scope

WORDS = st.sampled_from(
    [
        "start",
        "stop",
        "log",
        "status",
        "today",
        "week",
        "help",
        "acme",
        "ACME-WEB",
        "Design",
        "Build",
        "1h",
        "90m",
        "0m",
        "25h",
        "1:30",
        "on",
        "monday",
        "2030-01-01",
        "yesterday",
        "type:Research",
        "type:Nope",
        '"',
        "\u201c",
        "x",
        "",
        "-1h",
        "0.1h",
        "\n",
        "`",
        "<!channel>",
        "%",
        "_",
        # day words after `on`
        "dec",
        "feb",
        "30",
        "1,",
        "2025",
        "last",
        "friday",
        "03/02/2026",
        "31/31/2026",
        "2019-06-01",
        "2026/11/01",
        # what Slack escapes, and what nobody should send
        "&amp;",
        "&lt;b&gt;",
        "R&amp;D",
        "\x00",
        "9" * 40,
        "x" * 3100,
        "y" * 4100,
        "reopen",
        "rate",
        "audit",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=80),
    st.lists(WORDS, max_size=8).map(" ".join),
)


def snapshot(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with session_scope(sessions) as s:
        return (
            int(s.scalar(select(func.count()).select_from(TimeEntry)) or 0),
            int(s.scalar(select(func.count()).select_from(RunningTimer)) or 0),
        )


@given(text=TEXTS)
@settings(max_examples=150, deadline=None)
def test_parse_raises_only_user_errors(text: str) -> None:
    try:
        parse(text, datetime(2026, 11, 17, tzinfo=UTC).date())
    except UserError as err:
        assert err.render().strip()


def test_arbitrary_text_never_raises_and_refusals_write_nothing(
    firm: None, db: Database, sessions: sessionmaker[Session]
) -> None:
    deps = Deps(db=db, secret="s", clock=lambda: datetime(2026, 11, 17, 15, 0, tzinfo=UTC))

    @given(text=TEXTS)
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    def check(text: str) -> None:
        before = snapshot(sessions)
        reply = run_track(deps, user_id="U0MEMBER", text=text)
        answer = reply.message
        if reply.form is not None:  # opens a modal after a bare ack
            assert answer == {} and snapshot(sessions) == before
            return
        assert answer["text"] and answer["response_type"] == "ephemeral"
        assert "Something went wrong" not in answer["text"], (text, answer["text"])
        if answer["text"].startswith(":warning:"):
            assert snapshot(sessions) == before, text

    check()
