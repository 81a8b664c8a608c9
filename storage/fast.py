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

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import ArgumentError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    fixed: dict[str, Any]  # the statement's own values (literals), by bind name
    order: tuple[tuple[str, Processor], ...]  # the binds in the order the driver takes them
    keys: tuple[str, ...] | None  # for named paramstyles: the driver's names, else None
    results: tuple[Processor, ...]


class Prepared:
    """One Core statement, compiled once per dialect and run on the DBAPI cursor."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = self._compile(dialect)
        return plan

    def _compile(self, dialect: Dialect) -> _Plan:
        compiled = self.statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        processors: dict[str, Processor] = {}
        fixed: dict[str, Any] = {}
        for bind, name in compiled.bind_names.items():  # a name used twice is one value
            processors.setdefault(name, bind.type.dialect_impl(dialect).bind_processor(dialect))
            if not bind.required:
                fixed[name] = bind.effective_value
        if compiled.positiontup is not None:  # qmark / format: one value per placeholder
            names: tuple[str, ...] = tuple(compiled.positiontup)
            keys = None
        else:
            names = tuple(processors)
            escaped: dict[str, str] = dict(compiled.escaped_bind_names or {})
            keys = tuple(escaped.get(n, n) for n in names)
        # A SELECT's columns, or a DML statement's RETURNING columns.
        columns = getattr(self.statement, "exported_columns", ())
        results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
        order = tuple((n, processors[n]) for n in names)
        return _Plan(compiled.string, fixed, order, keys, results)

    def _cursor(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, _Plan]:
        plan = self._plan(conn.dialect)
        values = {**plan.fixed, **params} if plan.fixed else params
        try:
            args: list[Any] | dict[str, Any] = [p(values[n]) if p else values[n] for n, p in plan.order]
        except KeyError as err:
            raise ArgumentError(f"no value for bind parameter {err} of {plan.sql!r}") from None
        if plan.keys is not None:
            args = dict(zip(plan.keys, args, strict=True))
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(plan.sql, args)
        return cursor, plan

    def rows(self, conn: Connection, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        cursor, plan = self._cursor(conn, params or {})
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        converted = [(i, p) for i, p in enumerate(plan.results) if p is not None]
        if not converted:
            return [tuple(row) for row in fetched]
        out = []
        for row in fetched:  # only the columns that need it are converted
            values = list(row)
            for i, process in converted:
                values[i] = process(values[i])
            out.append(tuple(values))
        return out

    def stream(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, ...]]:
        """The rows one at a time, as the driver gives them, for reading more rows than fit
        in memory. Only for statements whose columns need no conversion (integers, strings):
        refused otherwise, as its rows would differ from :meth:`rows`. The cursor closes
        when the iterator is exhausted or dropped."""
        if any(self._plan(conn.dialect).results):
            raise ArgumentError(f"stream() would skip converting the columns of {self.statement}")
        cursor, _plan = self._cursor(conn, params or {})
        return iter(cursor)

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


def cols(row_type: Any, model: Any, **override: Any) -> tuple[Any, ...]:
    """The columns of ``model`` named by ``row_type``'s fields, in their order (a column of
    another name or table given by keyword): the select and the named row it fills are
    declared once, from the row type, so no caller slices results by position."""
    return tuple(override[f.name] if f.name in override else getattr(model, f.name) for f in fields(row_type))


def unpack(row: tuple[Any, ...], *types: Any) -> tuple[Any, ...]:
    """A joined row cut into one named row per type (in ``cols`` order); a type whose
    columns are all NULL (an outer join that found nothing) comes back as None."""
    out: list[Any] = []
    start = 0
    for row_type in types:
        width = len(fields(row_type))
        part = row[start : start + width]
        out.append(None if all(v is None for v in part) else row_type(*part))
        start += width
    return tuple(out)


def insert_new(
    model: Any, names: tuple[str, ...], key: tuple[Any, ...], returning: Any
) -> dict[str, Prepared]:
    """Per dialect, an INSERT of these columns (each a bind of its own name) that writes
    nothing when a row with the same unique ``key`` exists, returning ``returning`` (None
    then): the database, not a read before the write, decides who was first."""
    from sqlalchemy.dialects import postgresql, sqlite

    return {
        module.dialect.name: Prepared(
            module.insert(model)
            .values({n: bindparam(n) for n in names})
            .on_conflict_do_nothing(index_elements=list(key))
            .returning(returning)
        )
        for module in (sqlite, postgresql)
    }
