"""The layering docs/ARCHITECTURE.md describes, held by the imports themselves, and the size
rule: no module over 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    out = {}
    for path in modules(package):
        bad = sorted(i for i in imports(path) if i.startswith(forbidden))
        if bad:
            out[str(path.relative_to(ROOT))] = bad
    return out


def test_storage_never_imports_the_bot() -> None:
    assert offenders("storage", ("bot",)) == {}


def test_services_know_neither_slack_nor_views_nor_listeners() -> None:
    assert (
        offenders("bot/services", ("slack_bolt", "slack_sdk", "bot.views", "bot.listeners", "bot.ids")) == {}
    )


def test_views_are_pure_functions_of_plain_values() -> None:
    forbidden = ("slack_bolt", "slack_sdk", "sqlalchemy", "bot.listeners", "storage.db")
    assert offenders("bot/views", forbidden) == {}


def test_listeners_touch_no_statements() -> None:
    # A listener opens the unit of work and calls services; statements live in storage.
    assert offenders("bot/listeners", ("sqlalchemy", "storage.fast", "storage.models")) == {}


def test_only_storage_runs_prepared_statements() -> None:
    assert offenders("bot", ("storage.fast",)) == {}


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for package in ("bot", "storage")
        for p in modules(package)
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert long == {}


def test_services_hold_no_statements() -> None:
    # Services take the unit of work's Connection; what they run lives in storage.
    found = {}
    for path in modules("bot/services"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                names = {a.name for a in node.names} - {"Connection", "Engine"}
                if names or node.module != "sqlalchemy":
                    found[str(path.relative_to(ROOT))] = sorted(names) or [node.module]
    assert found == {}


def test_only_the_cli_knows_the_sandbox() -> None:
    # punchcard try serves the bot unchanged: no part of the bot may know it runs there.
    found = {
        k: v
        for k, v in offenders("bot", ("bot.sandbox",)).items()
        if not k.startswith(("bot/cli/", "bot/sandbox/"))
    }
    assert found == {}
    assert offenders("storage", ("bot",)) == {}
