"""Invoice numbers: per series and year, unique and gapless, also when issuers race; an
entry can be on one invoice only (the database refuses the second)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from bot.errors import UserError
from bot.services.invoices import numbering
from storage import invoices as store
from storage.db import Database
from storage.models import Invoice


def test_numbers_run_from_one_per_series_and_year_and_render_in_the_format(db: Database) -> None:
    with db.transaction() as conn:
        taken = [numbering.issue_number(conn, series="invoice", fmt=numbering.DEFAULT_FORMAT,
                                        issue_date=date(2026, 12, 2)) for _ in range(3)]  # fmt: skip
        credit = numbering.issue_number(conn, series="credit_note", fmt=numbering.CREDIT_NOTE_FORMAT,
                                        issue_date=date(2026, 12, 2))  # fmt: skip
        next_year = numbering.issue_number(
            conn, series="invoice", fmt="{yy}/{seq}", issue_date=date(2027, 1, 4)
        )
    assert taken == [(1, "INV-2026-0001"), (2, "INV-2026-0002"), (3, "INV-2026-0003")]
    assert credit == (1, "CN-2026-0001")
    assert next_year == (1, "27/1")


def test_a_rolled_back_issue_gives_its_number_back(db: Database) -> None:
    with db.transaction() as conn:
        assert store.take_number(conn, "invoice", 2026) == 1
    with pytest.raises(RuntimeError), db.transaction() as conn:
        assert store.take_number(conn, "invoice", 2026) == 2
        raise RuntimeError("the PDF failed")
    with db.transaction() as conn:
        assert store.take_number(conn, "invoice", 2026) == 2  # no gap


def test_racing_issuers_get_unique_gapless_numbers(db: Database) -> None:
    taken: list[int] = []
    lock = threading.Lock()

    def issue() -> None:
        for _ in range(5):
            with db.transaction() as conn:
                number = store.take_number(conn, "invoice", 2026)
                time.sleep(0.005)  # the rest of issuing, with the number held
            with lock:
                taken.append(number)

    threads = [threading.Thread(target=issue) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == list(range(1, 31))


def test_formats_are_checked_with_the_right_form_named() -> None:
    assert numbering.check_format("INV-{year}-{seq:05d}") == "INV-{year}-{seq:05d}"
    for bad, says in (("INV-{year}", "needs {seq}"), ("INV-{client}-{seq}", "uses client"),
                      ("INV-{seq", "is not a format"), ("{seq:zz}", "does not render"),
                      ("X" * 40 + "{seq}", "longer than 40")):  # fmt: skip
        with pytest.raises(UserError, match=says.replace("{", r"\{").replace("}", r"\}")):
            numbering.check_format(bad)


def test_an_entry_cannot_be_on_two_invoices(db: Database) -> None:
    from bot.services import entries, people
    from tests.conftest import FIRM_YAML, import_firm

    now = datetime(2026, 11, 17, 15, tzinfo=UTC)
    import_firm(db, FIRM_YAML, now)
    with db.transaction() as conn:
        person = people.get_or_register(conn, "U0MEMBER", now=now)
        project = conn.exec_driver_sql("SELECT id, client_id FROM projects WHERE code = 'ACME-WEB'").one()
        saved = entries.create(conn, person, entries.Draft(project_id=project[0], day=date(2026, 11, 16),
                                                           seconds=3600, description="footer"), now=now)  # fmt: skip
        header = {"series": "invoice", "client_id": project[1], "status": "draft", "currency": "USD",
                  "period_start": date(2026, 11, 1), "period_end": date(2026, 11, 30), "total": 0,
                  "created_by": "U0PARTNER", "created_at": now, "updated_at": now}  # fmt: skip
        ids = [
            conn.execute(insert(Invoice).values(header).returning(Invoice.id)).scalar_one() for _ in range(2)
        ]
        store.link_entries(conn, ids[0], [saved.entry.id])
        with pytest.raises(store.AlreadyBilled):
            store.link_entries(conn, ids[1], [saved.entry.id])
        billed = conn.exec_driver_sql("SELECT invoice_id FROM invoice_entries").scalars().all()
    assert billed == [ids[0]]


def test_the_import_takes_a_number_format_and_refuses_a_bad_one_by_name(db: Database) -> None:
    from bot.services.importer import import_yaml
    from storage import setup

    now = datetime(2026, 12, 2, tzinfo=UTC)
    with db.transaction() as conn:
        import_yaml(conn, "workspace: {invoice_number_format: 'ACME/{yy}/{seq:03d}'}", now=now)
        workspace = setup.workspace(conn)
        assert workspace is not None and workspace.invoice_number_format == "ACME/{yy}/{seq:03d}"
    with pytest.raises(UserError, match=r"needs \{seq\}"), db.transaction() as conn:
        import_yaml(conn, "workspace: {invoice_number_format: 'INV-{year}'}", now=now)
