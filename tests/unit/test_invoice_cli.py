"""``punchcard invoice``: one command from approved time to the file, and clear refusals."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.cli import main
from storage.db import Database
from tests.unit.test_invoice_build import acme, approved

__all__ = ["acme"]  # the fixture, shared


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")


def run(*args: str) -> int:
    return main(["invoice", "--client", "acme corp", "--from", "2026-11-01", "--to", "2026-11-30", *args])


def test_csv_has_a_row_per_line_and_per_entry_and_the_total_adds_up(
    db: Database, acme: int, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    approved(db, "WEB", date(2026, 11, 3), "1.5", task="Design", description="Wireframes")
    approved(db, "WEB", date(2026, 11, 4), "2", task="Build", description="Templates")
    assert run("--format", "csv", "--out", str(tmp_path)) == 0
    said = capsys.readouterr().out
    assert "Invoice INV-2026-0001: Acme Corp" in said and "INV-2026-0001.csv" in said
    rows = list(csv.DictReader(io.StringIO((tmp_path / "INV-2026-0001.csv").read_text())))
    lines = [r for r in rows if r["row"] == "line"]
    total = next(r for r in rows if r["row"] == "total")
    assert sum(float(r["amount"]) for r in lines) == float(total["amount"]) == 450 + 500 + 3000 + 5000
    assert [r["description"] for r in rows if r["row"] == "entry"] == ["Wireframes", "Templates"]
    assert run("--format", "csv", "--out", str(tmp_path)) == 0  # again: nothing left
    assert "Nothing to bill for acme corp" in capsys.readouterr().out


def test_xlsx_and_a_draft_without_a_number(db: Database, acme: int, cli: None, tmp_path: Path) -> None:
    approved(db, "WEB", date(2026, 11, 3), "1", task="Build")
    assert run("--format", "xlsx", "--draft", "--out", str(tmp_path)) == 0
    [path] = tmp_path.glob("draft-*.xlsx")
    sheet = load_workbook(path).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["invoice", "row", "kind"] and values[1][0] == "draft"


def test_an_unknown_client_or_a_backwards_period_is_refused_with_the_right_form(
    acme: int, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["invoice", "--client", "Nobody", "--from", "2026-11-01", "--to", "2026-11-30"]) == 2
    assert "No client is named 'Nobody'; clients: Acme Corp." in capsys.readouterr().err
    assert main(["invoice", "--client", "Acme Corp", "--from", "2026-11-30", "--to", "2026-11-01"]) == 2
    assert "before it starts" in capsys.readouterr().err


def test_the_export_names_the_invoice_that_bills_each_entry(
    db: Database, acme: int, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    approved(db, "WEB", date(2026, 11, 3), "1", task="Build")
    approved(db, "WEB", date(2026, 12, 1), "1", task="Build")  # not in November: not billed
    assert run("--format", "csv", "--out", str(tmp_path)) == 0
    capsys.readouterr()
    assert main(["export", "--format", "csv"]) == 0
    exported = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["date"], r["status"], r["invoice"]) for r in exported] == [
        ("2026-11-03", "billed", "INV-2026-0001"), ("2026-12-01", "approved", "")]  # fmt: skip


def test_the_pdf_holds_the_number_the_lines_and_a_total_equal_to_their_sum(
    db: Database, acme: int, cli: None, tmp_path: Path
) -> None:
    import pypdf

    approved(db, "WEB", date(2026, 11, 3), "1.5", task="Design", description="Wireframes for the homepage")
    assert run("--out", str(tmp_path)) == 0
    reader = pypdf.PdfReader(tmp_path / "INV-2026-0001.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "INV-2026-0001" in text and "Acme Corp" in text
    for amount in ("$450.00", "$3,000.00", "$5,000.00", "$8,450.00"):  # the lines, and their sum
        assert amount in text
    assert "Wireframes for the homepage" in text  # the timesheet appendix


def test_post_sends_the_pdf_and_its_summary_to_the_billing_channel_before_it_exits(
    db: Database, acme: int, cli: None, tmp_path: Path, fake_slack: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    approved(db, "WEB", date(2026, 11, 3), "1", task="Build", description="Templates")
    assert run("--out", str(tmp_path), "--post") == 0
    [complete] = fake_slack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "C0BILLING"
    assert (
        fake_slack.calls_to("file_upload")[0].params["body"] == (tmp_path / "INV-2026-0001.pdf").read_bytes()
    )
    shared, summary = fake_slack.posted("C0BILLING")
    assert shared["files"][0]["name"] == "INV-2026-0001.pdf"
    assert "Invoice INV-2026-0001" in summary["text"] and "requested by the command line" in str(
        summary["blocks"]
    )
    assert "sent" in capsys.readouterr().out
    approved(db, "WEB", date(2026, 11, 4), "1", task="Build")
    assert run("--out", str(tmp_path), "--post", "--draft") == 2
    assert "a draft is not posted" in capsys.readouterr().err
    assert not list(tmp_path.glob("draft-*"))  # refused before anything was built
