"""UTCDateTime's fused SQLite conversions agree with SQLAlchemy's layered ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from storage.models.base import UTCDateTime

DIALECT = sqlite.dialect()
SQLITE_DATETIME = DateTime().dialect_impl(DIALECT)
zones = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones)


@given(instants)
def test_instants_are_stored_and_read_back_as_sqlalchemy_would(value: datetime) -> None:
    utc = UTCDateTime()
    stored = utc.dialect_impl(DIALECT).bind_processor(DIALECT)(value)
    layered = SQLITE_DATETIME.bind_processor(DIALECT)(utc.process_bind_param(value, DIALECT))
    assert stored == layered
    read = utc.dialect_impl(DIALECT).result_processor(DIALECT, None)(stored)
    assert read == utc.process_result_value(SQLITE_DATETIME.result_processor(DIALECT, None)(stored), DIALECT)
    assert read == value and read.tzinfo is UTC


def test_naive_instants_are_refused_and_none_stays_none() -> None:
    process = UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
    assert process(None) is None
    try:
        process(datetime(2026, 1, 1))
    except ValueError:
        pass
    else:
        raise AssertionError("a naive datetime was stored")
