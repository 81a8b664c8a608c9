import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Fresh machine: the two commands", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", setup)
    assert len(commands) == 2
    run_bot, run_tests = commands
    assert "punchcard try" in run_bot  # the first look needs no Slack workspace
    assert "punchcard serve" in readme.split("## Install in your Slack", 1)[1]
    assert "pytest" in run_tests
    assert run_tests in (ROOT / ".ci" / "run").read_text()


def test_the_readmes_screenshots_are_in_the_repository() -> None:
    readme = (ROOT / "README.md").read_text()
    shots = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", readme)
    assert len(shots) >= 5  # /track, approvals, nudges, invoices, forms: from punchcard try
    for shot in shots:
        data = (ROOT / shot).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", shot
