"""set-based entry triggers on PostgreSQL

The lock and closed-period guards on time_entries ran a PL/pgSQL function for every row of
every statement: approving a 500-entry submission ran it a thousand times, two thirds of the
decision's time (bench/approval_load.py). Now the lock's function runs only for rows that
are locked (a WHEN clause, evaluated without a call), and the closed-period check runs once
per statement over its transition tables, and not at all while no month is closed. Entry
pages keep room for updated rows (fillfactor 85): approving and billing change no indexed
column, so PostgreSQL updates rows in place without touching the four indexes. What the
guards refuse is unchanged; SQLite's triggers already carry WHEN clauses and stay as they are.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LOCKED = "('approved', 'billed')"
MESSAGE = "the period is closed"
_CLOSED = "EXISTS (SELECT 1 FROM {table} r JOIN closed_periods c ON c.month = to_char(r.date, 'YYYY-MM'))"
# (event, transition tables) per statement-level trigger
_EVENTS = (
    ("INSERT", "REFERENCING NEW TABLE AS new_rows", ("new_rows",)),
    ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", ("old_rows", "new_rows")),
    ("DELETE", "REFERENCING OLD TABLE AS old_rows", ("old_rows",)),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE time_entries SET (fillfactor = 85)")
    op.execute("DROP TRIGGER time_entries_locked ON time_entries")
    op.execute(
        "CREATE TRIGGER time_entries_locked_update BEFORE UPDATE ON time_entries FOR EACH ROW "
        f"WHEN (OLD.status IN {LOCKED}) EXECUTE FUNCTION time_entries_locked()"
    )
    op.execute(
        "CREATE TRIGGER time_entries_locked_delete BEFORE DELETE ON time_entries FOR EACH ROW "
        f"WHEN (OLD.status IN {LOCKED}) EXECUTE FUNCTION time_entries_locked()"
    )
    op.execute("DROP TRIGGER time_entries_closed_period ON time_entries")
    for event, referencing, tables in _EVENTS:
        name = f"time_entries_closed_{event.lower()}"
        condition = " OR ".join(_CLOSED.format(table=t) for t in tables)
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF EXISTS (SELECT 1 FROM closed_periods) AND ({condition}) THEN "
            f"RAISE EXCEPTION '{MESSAGE}'; END IF; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON time_entries {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE time_entries RESET (fillfactor)")
    for event, _referencing, _tables in _EVENTS:
        name = f"time_entries_closed_{event.lower()}"
        op.execute(f"DROP TRIGGER {name} ON time_entries")
        op.execute(f"DROP FUNCTION {name}()")
    op.execute(
        "CREATE TRIGGER time_entries_closed_period BEFORE INSERT OR UPDATE OR DELETE ON time_entries "
        "FOR EACH ROW EXECUTE FUNCTION time_entries_closed_period()"
    )
    op.execute("DROP TRIGGER time_entries_locked_update ON time_entries")
    op.execute("DROP TRIGGER time_entries_locked_delete ON time_entries")
    op.execute(
        "CREATE TRIGGER time_entries_locked BEFORE UPDATE OR DELETE ON time_entries "
        "FOR EACH ROW EXECUTE FUNCTION time_entries_locked()"
    )
