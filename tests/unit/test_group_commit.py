"""Group commit on SQLite: units of work opened inside ``Database.batch`` share one
transaction, each in a savepoint of its own, and bot.web answers a batch of requests once it
committed. And the unit of work itself: nesting joins, after-commit work runs only on commit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.response import BoltResponse
from sqlalchemy import text

from storage.db import READ_ONLY, Database, make_engine, on_commit


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    engine = make_engine(f"sqlite:///{tmp_path / 'batch.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT UNIQUE, "
                          "parent_id INTEGER REFERENCES parent (id))"))  # fmt: skip
    yield Database(engine)
    engine.dispose()


def _bodies(db: Database) -> list[str]:
    # A reader on a connection of its own: sees only what was committed.
    with db.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        return [row[0] for row in conn.execute(text("SELECT body FROM t ORDER BY id"))]


def _insert(db: Database, body: str, parent: int | None = None) -> None:
    with db.transaction() as conn:
        conn.execute(text("INSERT INTO t (body, parent_id) VALUES (:b, :p)"), {"b": body, "p": parent})


def test_units_in_a_batch_commit_together_and_a_failing_one_rolls_back_alone(db: Database) -> None:
    with db.batch() as batch:
        assert batch is not None
        _insert(db, "first")
        with pytest.raises(RuntimeError), db.transaction() as conn:
            conn.execute(text("INSERT INTO t (body) VALUES ('second')"))
            raise RuntimeError("this request failed")
        with pytest.raises(Exception, match="UNIQUE"):  # a constraint: that statement alone fails
            _insert(db, "first")
        _insert(db, "third")
        assert _bodies(db) == []  # nothing is visible before the batch commits
    assert not batch.failed
    assert _bodies(db) == ["first", "third"]


def test_a_batch_that_cannot_commit_saves_nothing_and_drops_its_after_commit_work(db: Database) -> None:
    ran: list[str] = []
    with db.batch() as batch:
        assert batch is not None
        _insert(db, "fine")
        db.after_commit(lambda: ran.append("fine"))
        with db.transaction() as conn:  # checked only at COMMIT: the whole batch fails there
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            conn.execute(text("INSERT INTO t (body, parent_id) VALUES ('orphan', 42)"))
    assert batch.failed
    assert _bodies(db) == [] and ran == []
    _insert(db, "later")  # the connection is usable again
    assert _bodies(db) == ["later"]


def test_a_unit_whose_commit_failed_leaves_its_kept_connection_usable(db: Database) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), db.transaction() as conn:
        conn.execute(text("PRAGMA defer_foreign_keys=ON"))
        conn.execute(text("INSERT INTO t (body, parent_id) VALUES ('orphan', 42)"))
    _insert(db, "next")
    assert _bodies(db) == ["next"]


def test_after_commit_work_runs_once_the_batch_committed_and_at_once_outside_one(db: Database) -> None:
    seen: list[list[str]] = []
    with db.batch():
        _insert(db, "a")
        db.after_commit(lambda: seen.append(_bodies(db)))
        assert seen == []
    assert seen == [["a"]]  # the work saw what the batch wrote
    db.after_commit(lambda: seen.append(["now"]))
    assert seen[-1] == ["now"]


def test_work_a_service_asks_for_runs_after_its_commit_and_never_after_a_rollback(db: Database) -> None:
    seen: list[list[str]] = []
    with db.transaction() as conn:
        conn.execute(text("INSERT INTO t (body) VALUES ('kept')"))
        on_commit(conn, lambda: seen.append(_bodies(db)))
        assert seen == []
    assert seen == [["kept"]]
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute(text("INSERT INTO t (body) VALUES ('lost')"))
        on_commit(conn, lambda: seen.append(["lost"]))
        raise RuntimeError
    with db.batch():  # in a batch, a unit that rolled back takes its work with it
        with pytest.raises(RuntimeError), db.transaction() as conn:
            on_commit(conn, lambda: seen.append(["lost in the batch"]))
            raise RuntimeError
        with db.transaction() as conn:
            on_commit(conn, lambda: seen.append(["batch"]))
    assert seen == [["kept"], ["batch"]]


def test_a_unit_opened_inside_another_joins_it(db: Database) -> None:
    with db.transaction() as outer:
        outer.execute(text("INSERT INTO t (body) VALUES ('outer')"))
        with db.transaction() as inner:
            assert inner is outer
            inner.execute(text("INSERT INTO t (body) VALUES ('inner')"))
        assert _bodies(db) == []  # the outer unit commits both
    assert _bodies(db) == ["outer", "inner"]
    # writing inside a read-only unit is a bug
    with pytest.raises(RuntimeError, match="read-only"), db.transaction(read_only=True), db.transaction():
        pass


def test_read_only_units_inside_a_batch_join_it(db: Database) -> None:
    with db.batch():
        _insert(db, "by the batch")
        with db.transaction(read_only=True) as conn:  # would not see it otherwise
            assert [r[0] for r in conn.execute(text("SELECT body FROM t ORDER BY id"))] == ["by the batch"]
    assert _bodies(db) == ["by the batch"]


def test_a_batch_inside_a_batch_is_the_same_batch(db: Database) -> None:
    with db.batch() as outer:
        with db.batch() as inner:
            assert inner is None
            _insert(db, "x")
        assert _bodies(db) == []
    assert outer is not None and not outer.failed
    assert _bodies(db) == ["x"]


def test_a_database_server_gets_no_batch() -> None:
    db = Database(make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    with db.batch() as batch:  # nothing connects
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
