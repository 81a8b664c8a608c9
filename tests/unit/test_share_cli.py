"""``punchcard share``: a link printed once, listed with its state, revoked by its URL; wrong
input answered in one line."""

from __future__ import annotations

from contextlib import nullcontext

import pytest

from bot.cli import main
from storage.db import Database
from tests.conftest import import_firm
from tests.e2e.test_share_links import FIRM, NOW


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import_firm(db, FIRM, NOW)
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.delenv("PUNCHCARD_BASE_URL", raising=False)


def test_a_link_is_printed_once_listed_and_revoked_by_its_url(
    cli: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUNCHCARD_BASE_URL", "https://hours.hale.example/")
    assert (
        main(["share", "--client", "acme", "--project", "WEB", "--expires", "2099-01-31", "--descriptions"])
        == 0
    )
    out, err = capsys.readouterr()
    url = out.strip()
    assert url.startswith("https://hours.hale.example/r/") and len(url.rsplit("/", 1)[1]) >= 32
    assert "Acme Corp: WEB, until 2099-01-31, with entry descriptions. Shown once" in err
    assert main(["share", "--list"]) == 0
    listed = capsys.readouterr().out
    assert url.rsplit("/", 1)[1][:6] in listed and "live" in listed and url not in listed
    assert main(["share", "--revoke", url]) == 0
    assert "now answers 404" in capsys.readouterr().out
    assert main(["share", "--list", "--client", "Acme"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["share", "--revoke", url]) == 2
    assert "was revoked already" in capsys.readouterr().err


def test_without_a_base_url_the_link_is_local_and_says_so(
    cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["share", "--client", "Acme Corp"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("http://localhost:3000/r/") and "PUNCHCARD_BASE_URL is not set" in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["share"], "which client?"),
        (["share", "--client", "Initech"], "No client is named 'Initech'"),
        (
            ["share", "--client", "Acme", "--project", "SECRET"],
            "Acme Corp has no project with the code 'SECRET'",
        ),
        (["share", "--client", "Acme", "--expires", "2020-01-01"], "2020-01-01 has passed"),
        (["share", "--client", "Acme", "--expires", "soon"], "'soon' is not a date"),
        (["share", "--revoke", "https://x.example/r/nope"], "is not a share link or token"),
        (["share", "--revoke", "A" * 32], "There is no such share link."),
    ],
)
def test_wrong_input_is_one_line_with_exit_code_2(
    cli: None, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    with pytest.raises(SystemExit) if "soon" in args else nullcontext():  # argparse's own exit
        assert main(args) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
