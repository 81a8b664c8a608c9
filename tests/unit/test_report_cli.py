"""``punchcard report``: everyone's time as a table, CSV or XLSX, with its chart; clear refusals.
(``--quality`` and ``--metrics`` are ``bot.cli.report_partner``'s, tested there.)"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import build_parser, main
from storage.db import Database
from tests.unit.test_report import FIRST, LAST, entries, exported, sums

__all__ = ["entries"]  # the fixture, shared


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")


def run(*args: str) -> int:
    return main(["report", "--from", FIRST.isoformat(), "--to", LAST.isoformat(), *args])


def test_csv_by_client_is_the_export_summed_with_a_total(
    db: Database, entries: list[int], cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--by", "client", "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    expected = sums(exported(db), "client")
    assert {r["client"]: r["hours"] for r in rows[:-1]} == {k: f"{v[1]:.2f}" for k, v in expected.items()}
    assert rows[-1]["client"] == "Total" and int(rows[-1]["entries"]) == 300
    for row in rows[:-1]:
        value = expected[row["client"]][3]
        assert {c: row[f"value_{c}"] for c in value} == {c: str(v) for c, v in value.items()}


def test_table_xlsx_and_chart_files(db: Database, entries: list[int], cli: None, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert run("--by", "person", "--person", "U0MEMBER") == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["person", "slack_id", "entries"] and table[1].startswith("Max Member")
    assert table[-1].startswith("Total") and set(table[-2]) == {"-"}
    out, chart = tmp_path / "r.xlsx", tmp_path / "r.png"
    assert run("--by", "work-type", "--format", "xlsx", "--out", str(out), "--chart", str(chart)) == 0
    sheet = load_workbook(out).active
    assert (
        sheet is not None
        and sheet["A1"].value == "work_type"
        and sheet.cell(sheet.max_row, 1).value == "Total"
    )
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_wrong_options_are_refused_in_one_line(
    entries: list[int], cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--by", "client"]) == 2
    assert "give the period: --from YYYY-MM-DD --to YYYY-MM-DD" in capsys.readouterr().err
    assert run("--format", "xlsx") == 2
    assert "--format xlsx writes a file: give --out FILE.xlsx" in capsys.readouterr().err
    assert run("--client", "Initech") == 2
    assert "No client is named 'Initech'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run("--by", "colour")


def test_the_partner_modes_are_options_of_report() -> None:
    args = build_parser().parse_args(["report", "--quality", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert args.quality and args.metrics is None
    args = build_parser().parse_args(["report", "--metrics", "wip", "--format", "csv"])
    assert args.metrics == "wip" and args.format == "csv" and not args.quality
