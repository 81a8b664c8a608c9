"""Group commit on SQLite: write scopes opened inside ``write_batch`` share one transaction,
each in a savepoint of its own, and bot.web answers a batch of requests once it committed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.response import BoltResponse
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage.db import (
    READ_ONLY,
    after_commit,
    make_engine,
    make_sessionmaker,
    read_scope,
    session_scope,
    write_batch,
    write_scope,
)


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'batch.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT UNIQUE, "
                          "parent_id INTEGER REFERENCES parent (id))"))  # fmt: skip
    yield make_sessionmaker(engine)
    engine.dispose()


def _bodies(engine: Engine) -> list[str]:
    # A reader on a connection of its own: sees only what was committed.
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        return [row[0] for row in conn.execute(text("SELECT body FROM t ORDER BY id"))]


def _insert(factory: sessionmaker[Session], body: str, parent: int | None = None) -> None:
    with write_scope(factory) as conn:
        conn.execute(text("INSERT INTO t (body, parent_id) VALUES (:b, :p)"), {"b": body, "p": parent})


def test_scopes_in_a_batch_commit_together_and_a_failing_one_rolls_back_alone(
    factory: sessionmaker[Session],
) -> None:
    engine = factory.kw["bind"]
    with write_batch(factory) as batch:
        assert batch is not None
        _insert(factory, "first")
        with pytest.raises(RuntimeError), write_scope(factory) as conn:
            conn.execute(text("INSERT INTO t (body) VALUES ('second')"))
            raise RuntimeError("this request failed")
        with pytest.raises(Exception, match="UNIQUE"):  # a constraint: that statement alone fails
            _insert(factory, "first")
        _insert(factory, "third")
        assert _bodies(engine) == []  # nothing is visible before the batch commits
    assert not batch.failed
    assert _bodies(engine) == ["first", "third"]


def test_a_batch_that_cannot_commit_saves_nothing_and_drops_its_after_commit_work(
    factory: sessionmaker[Session],
) -> None:
    ran: list[str] = []
    with write_batch(factory) as batch:
        assert batch is not None
        _insert(factory, "fine")
        after_commit(factory, lambda: ran.append("fine"))
        with write_scope(factory) as conn:  # checked only at COMMIT: the whole batch fails there
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            conn.execute(text("INSERT INTO t (body, parent_id) VALUES ('orphan', 42)"))
    assert batch.failed
    assert _bodies(factory.kw["bind"]) == [] and ran == []
    _insert(factory, "later")  # the connection is usable again
    assert _bodies(factory.kw["bind"]) == ["later"]


def test_a_write_scope_whose_commit_failed_leaves_its_kept_connection_usable(
    factory: sessionmaker[Session],
) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), write_scope(factory) as conn:
        conn.execute(text("PRAGMA defer_foreign_keys=ON"))
        conn.execute(text("INSERT INTO t (body, parent_id) VALUES ('orphan', 42)"))
    _insert(factory, "next")
    assert _bodies(factory.kw["bind"]) == ["next"]


def test_after_commit_work_runs_once_the_batch_committed_and_at_once_outside_one(
    factory: sessionmaker[Session],
) -> None:
    engine = factory.kw["bind"]
    seen: list[list[str]] = []
    with write_batch(factory):
        _insert(factory, "a")
        after_commit(factory, lambda: seen.append(_bodies(engine)))
        assert seen == []
    assert seen == [["a"]]  # the work saw what the batch wrote
    after_commit(factory, lambda: seen.append(["now"]))
    assert seen[-1] == ["now"]


def test_session_and_read_scopes_inside_a_batch_join_it(factory: sessionmaker[Session]) -> None:
    engine = factory.kw["bind"]
    with write_batch(factory):
        _insert(factory, "by core")
        with session_scope(factory) as session:  # would wait forever on the write lock otherwise
            session.execute(text("INSERT INTO t (body) VALUES ('by orm')"))
        with pytest.raises(RuntimeError), session_scope(factory) as session:
            session.execute(text("INSERT INTO t (body) VALUES ('rolled back')"))
            raise RuntimeError
        with read_scope(factory) as conn:
            assert [r[0] for r in conn.execute(text("SELECT body FROM t ORDER BY id"))] == [
                "by core",
                "by orm",
            ]
    assert _bodies(engine) == ["by core", "by orm"]


def test_a_batch_inside_a_batch_is_the_same_batch(factory: sessionmaker[Session]) -> None:
    with write_batch(factory) as outer:
        with write_batch(factory) as inner:
            assert inner is None
            _insert(factory, "x")
        assert _bodies(factory.kw["bind"]) == []
    assert outer is not None and not outer.failed
    assert _bodies(factory.kw["bind"]) == ["x"]


def test_a_database_server_gets_no_batch() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with write_batch(make_sessionmaker(engine)) as batch:  # nothing connects
        assert batch is None


# --- bot.web: the requests of one turn of the loop, one batch ------------------------------


class _App:
    def __init__(self) -> None:
        self.dispatched: list[str] = []

    def dispatch(self, request: Any) -> BoltResponse:
        self.dispatched.append(request)
        return BoltResponse(status=200, body=f"answer to {request}")


class _Group:
    def __init__(self, *, fail: bool = False, cannot_begin: bool = False) -> None:
        self.fail = fail
        self.cannot_begin = cannot_begin
        self.batches = 0

    @contextmanager
    def batch(self) -> Iterator[Any]:
        class Batch:
            failed = False

        if self.cannot_begin:
            raise OSError("disk I/O error")
        handle = Batch()
        self.batches += 1
        yield handle
        handle.failed = self.fail


def _batcher(app: _App, group: _Group, limit: int = 32) -> Any:
    from bot.web import GroupCommit, _Batcher

    return _Batcher(app, GroupCommit(  # type: ignore[arg-type]
        accepts=lambda _body: True, batch=group.batch, limit=limit,
        failed=lambda: BoltResponse(status=200, body="nothing was saved"),
    ))  # fmt: skip


def test_requests_arriving_in_one_turn_share_one_batch_and_are_answered_after_it() -> None:
    app, group = _App(), _Group()
    batcher = _batcher(app, group)

    async def main() -> list[str]:
        answers = [batcher.dispatch(f"r{i}") for i in range(5)]
        assert not any(a.done() for a in answers)  # nothing is answered before the commit
        done = await asyncio.gather(*answers)
        later = await batcher.dispatch("r5")
        return [r.body for r in [*done, later]]

    bodies = asyncio.run(main())
    assert bodies == [f"answer to r{i}" for i in range(6)]
    assert group.batches == 2 and app.dispatched == [f"r{i}" for i in range(6)]


@pytest.mark.parametrize("group", [_Group(fail=True), _Group(cannot_begin=True)], ids=["commit", "begin"])
def test_every_request_of_a_batch_that_failed_is_told_nothing_was_saved(group: _Group) -> None:
    batcher = _batcher(_App(), group)

    async def main() -> list[str]:
        return [r.body for r in await asyncio.gather(*(batcher.dispatch(f"r{i}") for i in range(3)))]

    assert asyncio.run(main()) == ["nothing was saved"] * 3


def test_a_full_batch_is_committed_without_waiting_for_the_turn_to_end() -> None:
    app, group = _App(), _Group()
    batcher = _batcher(app, group, limit=4)

    async def main() -> None:
        answers = [batcher.dispatch(f"r{i}") for i in range(6)]
        assert [a.done() for a in answers] == [True] * 4 + [False] * 2
        await asyncio.gather(*answers)

    asyncio.run(main())
    assert group.batches == 2
