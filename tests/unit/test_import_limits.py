"""A file the columns cannot hold, or that is not what it seems, is refused whole with the line
or entry named, the same on SQLite (which would store anything) and PostgreSQL; the CLI
answers every such file, and absurd ids, in one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.services.importer import ImportError_
from tests.conftest import Clock
from tests.unit.test_importer import counts, do_import

EMPTY = {"people": 0, "clients": 0, "projects": 0, "tasks": 0, "work_types": 0}


@pytest.mark.parametrize(
    ("yaml_text", "needle"),
    [
        ("people: [{slack_id: U0A, name: A, rate: 1e400}]", "rate must be less than 10,000,000,000"),
        ("people: [{slack_id: U0A, name: A, rate: .inf}]", "rate must be a finite number"),
        ("people: [{slack_id: U0A, name: A, rate: 100000000000}]", "rate must be less than 10,000,000,000"),
        (
            "clients: [{name: C, projects: [{name: P, code: P1, budget_hours: 12.345}]}]",
            "more than 2 decimals",
        ),
        (
            "clients: [{name: C, projects: [{name: P, code: P1, budget_hours: 123456789}]}]",
            "less than 100,000,000",
        ),
        (f"people: [{{slack_id: U0A, name: {'n' * 201}}}]", "name is 201 characters; at most 200 fit"),
        (
            f"clients: [{{name: C, projects: [{{name: P, code: {'C' * 65}}}]}}]",
            "code is 65 characters; at most 64",
        ),
        (f"work_types: [{'w' * 101}]", "at most 100 fit"),
        ("people: [{slack_id: U0A, name: A, slack_id: U0B}]", "the key 'slack_id' appears twice"),
        ("rates: [{person: U0A, rate: 1, from: 2026-02-30}]", "'2026-02-30' is not a real date"),
    ],
)
def test_what_the_columns_cannot_hold_is_refused_with_nothing_written(
    engine: object, sessions: sessionmaker[Session], clock: Clock, yaml_text: str, needle: str
) -> None:
    with pytest.raises(ImportError_) as err:
        do_import(sessions, yaml_text, clock)
    assert needle in err.value.message, err.value.message
    assert counts(sessions) == EMPTY


def _cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, *args: str
) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    code = main(list(args))
    return code, capsys.readouterr().err


@pytest.fixture
def url(engine: object, sessions: sessionmaker[Session]) -> str:
    return sessions.kw["bind"].url.render_as_string(hide_password=False)


def test_the_cli_answers_strange_files_and_absurd_ids_in_one_line(
    url: str, sessions: sessionmaker[Session], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    binary = tmp_path / "logo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("people: [{slack_id: U0A, name: Jos\xe9}]".encode("latin-1"))
    for path, needle in ((binary, "not text"), (latin, "not UTF-8")):
        code, err = _cli(capsys, monkeypatch, url, "import", str(path))
        assert code == 2 and needle in err and len(err.strip().splitlines()) <= 2 and "Traceback" not in err
    windows = tmp_path / "utf16.yaml"  # what Notepad saves: UTF-16 with its byte-order mark
    windows.write_bytes("people: [{slack_id: U0A, name: José}]\n".encode("utf-16"))
    code, err = _cli(capsys, monkeypatch, url, "import", str(windows))
    assert code == 0 and counts(sessions)["people"] == 1
    for args in (
        ("audit", "--entry", "9" * 30),
        ("rates", "explain", "--entry", "-4"),
        ("audit", "--entry", "x"),
    ):
        with pytest.raises(SystemExit) as exit_:
            _cli(capsys, monkeypatch, url, *args)
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1 and "not an entry id" in err, err
