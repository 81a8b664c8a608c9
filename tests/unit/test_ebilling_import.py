"""The import's e-billing keys: UTBMS codes on tasks and work types checked against the ABA
code sets, timekeeper classes, client matter ids, and a client's ``ebilling: ledes``,
``einvoice: factur-x``, ``country`` and VAT category, held to what their files need; written
once, changed in place, reported as unchanged when the file is imported again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services import utbms
from bot.services.importer import ImportError_, import_yaml
from storage.db import Database
from storage.models import Client, Person, Project, Task, WorkType
from tests.unit.test_ledes import FIRM, NOW


def load(db: Database, text: str) -> str:
    with db.transaction() as conn:
        return import_yaml(conn, text, now=NOW).describe()


def refused(db: Database, text: str) -> str:
    with pytest.raises(ImportError_) as err:
        load(db, text)
    return err.value.message


def test_the_keys_are_stored_and_a_second_import_changes_nothing(db: Database) -> None:
    load(db, FIRM)
    with db.transaction(read_only=True) as conn:
        assert dict(tuple(r) for r in conn.execute(select(Task.name, Task.utbms)).all()) == {
            "Discovery": "L310",
            "Strategy": "L120",
        }
        assert dict(tuple(r) for r in conn.execute(select(WorkType.name, WorkType.utbms)).all()) == {
            "Drafting": "A103",
            "Research": "A102",
        }
        assert dict(tuple(r) for r in conn.execute(select(Person.slack_id, Person.timekeeper_class)).all()) == {
            "U0PARTNER": None, "U0MEMBER": "AS"}  # fmt: skip
        assert conn.scalar(select(Project.client_matter_id).where(Project.code == "LIT-1")) == "CLM-77"
        acme = conn.execute(
            select(
                Client.ebilling, Client.ledes_client_id, Client.einvoice, Client.country, Client.tax_category
            ).where(Client.name == "Acme Corp")
        ).one()
        assert tuple(acme) == (
            "ledes", "ACME01", "factur-x", "DE", None)  # fmt: skip
    assert load(db, FIRM) == "Nothing changed: the database already matches the file."
    said = load(db, FIRM.replace("utbms: L310", "utbms: L320").replace("ebilling: ledes", "ebilling: none"))
    assert "clients: 0 created, 1 updated" in said and "tasks: 0 created, 1 updated" in said
    with db.transaction(read_only=True) as conn:
        assert conn.scalar(select(Client.ebilling).where(Client.name == "Acme Corp")) == ""


def test_a_wrong_code_is_refused_naming_the_key_and_valid_examples(db: Database) -> None:
    said = refused(db, FIRM.replace("utbms: L310", "utbms: L999").replace("utbms: A103", "utbms: L110"))
    assert "(LIT-1) tasks[0]: utbms 'L999' is not a UTBMS task code, such as L110 Fact Investigation" in said
    assert (
        "work_types[0]: utbms L110 is a task code (Fact Investigation/Development): give it on a task" in said
    )
    said = refused(
        db, FIRM.replace("utbms: L120", "utbms: A104").replace("timekeeper_class: AS", "timekeeper_class: XX")
    )
    assert "utbms A104 is an activity code (Review/analyze): give it on a work type" in said
    assert "timekeeper_class 'XX' must be one of PT (Partner), AS (Associate)" in said


def test_countries_and_e_billing_needs_are_checked(db: Database) -> None:
    said = refused(db, FIRM.replace("country: DE", "country: UK"))
    assert (
        "country 'UK' is not an ISO 3166-1 alpha-2 country code such as FR, DE or US (the United Kingdom is GB)"
        in said
    )
    said = refused(db, FIRM.replace("    country: DE\n", "").replace("    ledes_client_id: ACME01\n", ""))
    assert "einvoice: factur-x needs the client's country" in said
    assert "ebilling: ledes needs ledes_client_id" in said
    said = refused(db, FIRM.replace("discount_percent: 5", "tax_rate: 0"))
    assert "einvoice: factur-x needs tax_category for invoices without tax: AE (reverse charge)" in said
    said = refused(db, FIRM.replace("discount_percent: 5", "tax_category: AE"))
    assert "tax_category AE means no tax, but the client is charged 20 %" in said
    said = refused(db, FIRM.replace("discount_percent: 5", "tax_rate: 0\n    tax_category: E"))
    assert "needs tax_exemption_reason (the legal ground) for tax_category E" in said
    said = refused(db, FIRM.replace(", country: FR}", "}").replace("currency: EUR,", "currency: JPY,"))
    assert "the firm's country" in said and "a currency of 2 decimals" in said


def test_a_firm_change_is_held_against_clients_already_imported(db: Database) -> None:
    load(db, FIRM)
    said = refused(db, "firm: {tax_rate: 0}\n")
    assert "client Acme Corp (already imported): einvoice: factur-x needs tax_category" in said


def test_the_code_sets_are_the_aba_ones() -> None:
    assert len(utbms.LITIGATION) == 34 and len(utbms.ACTIVITIES) == 11 and len(utbms.EXPENSES) == 24
    assert set(utbms.COUNSELING) == {"C100", "C200", "C300", "C400"}
    assert utbms.name("L330") == "Depositions" and utbms.name("E124") == "Other" and utbms.name("X1") is None
    assert utbms.task_problem("b110") is None and utbms.activity_problem("a111") is None
