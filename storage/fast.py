"""Core statements run straight on the driver's cursor: the request hot path's executor.

SQLAlchemy's execution machinery (execution context, events, result proxies) costs about
40 µs a statement here, more than SQLite takes to run most of ours; a ``/track`` request
runs five of them. A :class:`Prepared` statement is compiled once per dialect by SQLAlchemy
itself, with its bind casts, and keeps the column types' own bind and result processors, so
values go in and come out exactly as through ``Connection.execute`` (UTC datetimes, enums,
JSON, booleans); only the per-call machinery is skipped. It runs inside the caller's
transaction, on the same DBAPI connection.

For plain statements only: no expanding IN lists, no executemany, no server-side defaults
read back other than through RETURNING.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    compiled: SQLCompiler
    positional: tuple[str, ...] | None  # bind names in order for qmark/format paramstyles
    binds: tuple[tuple[str, Processor], ...]
    results: tuple[Processor, ...]


class Prepared:
    """One Core statement, compiled once per dialect and run on the DBAPI cursor."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self.statement.compile(dialect=dialect)
            assert isinstance(compiled, SQLCompiler)
            processors: dict[str, Processor] = {}
            for bind, name in compiled.bind_names.items():  # a name used twice is one value
                processors.setdefault(name, bind.type.dialect_impl(dialect).bind_processor(dialect))
            binds = tuple(processors.items())
            # A SELECT's columns, or a DML statement's RETURNING columns.
            columns = getattr(self.statement, "exported_columns", ())
            results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
            positional = tuple(compiled.positiontup) if compiled.positiontup is not None else None
            plan = _Plan(compiled.string, compiled, positional, binds, results)
            self._plans[dialect.name] = plan
        return plan

    def _cursor(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, _Plan]:
        plan = self._plan(conn.dialect)
        given = plan.compiled.construct_params(dict(params)) or {}
        values = {name: process(given[name]) if process else given[name] for name, process in plan.binds}
        args: Sequence[Any] | dict[str, Any] = (
            [values[name] for name in plan.positional] if plan.positional is not None else values
        )
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(plan.sql, args)
        return cursor, plan

    def rows(self, conn: Connection, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        cursor, plan = self._cursor(conn, params or {})
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        if not any(plan.results):
            return [tuple(row) for row in fetched]
        procs = plan.results
        return [tuple(p(v) if p else v for p, v in zip(procs, row, strict=True)) for row in fetched]

    def first(self, conn: Connection, params: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        found = self.rows(conn, params)
        return found[0] if found else None

    def scalar(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Any:
        row = self.first(conn, params)
        return row[0] if row else None

    def run(self, conn: Connection, params: Mapping[str, Any] | None = None) -> int:
        """A statement without rows: the number of rows it changed."""
        cursor, _plan = self._cursor(conn, params or {})
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()
