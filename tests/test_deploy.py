"""deploy/ agrees with itself, with the code and with the README: the Dockerfile's command,
port and health check are the compose file's and the README's; the command lines parse with
the CLI they run; the env example names every setting the README's Configuration table lists,
with valid example values; what the image copies exists and is what the package is made of.
(No docker daemon here: the files are read, not built.)"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.cli import build_parser
from bot.config import Settings
from bot.scheduler import JOBS, parse_cron

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
README = (ROOT / "README.md").read_text()


# --- readers ----------------------------------------------------------------------------


def dockerfile(path: Path = DEPLOY / "Dockerfile") -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, continued lines joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        instruction, _, arguments = whole.partition(" ")
        out.append((instruction.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return out


def instructions(name: str) -> list[str]:
    return [arguments for instruction, arguments in dockerfile() if instruction == name]


def exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list) and all(isinstance(a, str) for a in parsed), arguments
    return parsed


def docker_cmd() -> list[str]:
    [cmd] = instructions("CMD")
    return exec_form(cmd)


def docker_healthcheck() -> list[str]:
    [check] = instructions("HEALTHCHECK")
    _options, found, command = check.partition("CMD ")
    assert found, f"HEALTHCHECK without CMD: {check}"
    return exec_form(command)


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's keys (from every section) and their values, in order."""
    keys: dict[str, list[str]] = {}
    for raw in (DEPLOY / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def env_example() -> dict[str, str]:
    """Every assignment in the env example, commented out or not (``# NAME=value``)."""
    found = {}
    for line in (DEPLOY / "punchcard.env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            found[match[1]] = match[2].strip().strip('"')
    return found


def section(heading: str) -> str:
    return README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def port_of(argv: list[str]) -> int:
    return int(build_parser().parse_args(argv[1:]).port)


# --- the Dockerfile ---------------------------------------------------------------------


def test_the_image_serves_http_on_its_exposed_port_and_checks_healthz_there() -> None:
    cmd = docker_cmd()
    args = build_parser().parse_args(cmd[1:])  # a command line this CLI accepts
    assert cmd[0] == "punchcard" and args.command == "serve" and not args.socket
    assert args.host == "0.0.0.0"
    assert instructions("EXPOSE") == [str(args.port)]
    [url] = re.findall(r"https?://[^'\"\s]+", " ".join(docker_healthcheck()))
    parsed = urlparse(url)
    assert (parsed.hostname, parsed.port, parsed.path) == ("127.0.0.1", args.port, "/healthz")
    assert 'Route("/healthz"' in (ROOT / "bot" / "web.py").read_text()


def test_the_image_is_python_3_11_slim_with_weasyprints_libraries_and_no_root() -> None:
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in instructions("ARG") if "=" in a}
    images = [re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], f.split()[0]) for f in instructions("FROM")]
    assert images and all(image.startswith("python:3.11-slim") for image in images)
    packages = " ".join(instructions("RUN"))
    for needed in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libharfbuzz-subset0",
                   "fonts-dejavu-core"):  # fmt: skip
        assert re.search(rf"\b{re.escape(needed)}\b", packages), needed
    assert re.search(r"pip install \.(\s|$)", packages)
    [user] = instructions("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert instructions("WORKDIR")[-1] in " ".join(instructions("VOLUME"))
    env = " ".join(instructions("ENV"))
    database = re.search(r"DATABASE_URL=(\S+)", env)
    assert database and make_url(database[1]).database == instructions("WORKDIR")[-1] + "/punchcard.db"


def test_the_image_copies_what_the_package_is_made_of_and_the_context_lets_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    sources = []
    for arguments in instructions("COPY"):
        if arguments.startswith("--from"):
            continue
        *copied, _destination = arguments.split()
        sources += copied
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    needed = {"pyproject.toml", project["project"]["readme"]}
    setuptools = project["tool"]["setuptools"]
    needed |= {pattern.rstrip("*") for pattern in setuptools["packages"]["find"]["include"]}
    for files in setuptools.get("data-files", {}).values():
        needed |= {Path(file).parts[0] for file in files}
    assert needed <= set(sources), f"not copied into the image: {sorted(needed - set(sources))}"
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].strip("/") for line in ignore if line.startswith("!")}
    if "*" in ignore:  # everything is left out but what is let in again
        assert set(sources) <= allowed, f"left out of the build context: {sorted(set(sources) - allowed)}"
    assert not {".env", "punchcard.db", ".venv"} & allowed


# --- docker-compose.yml -----------------------------------------------------------------


def test_the_compose_bot_runs_the_images_command_port_and_health_check() -> None:
    bot = compose()["services"]["bot"]
    assert bot["command"] == docker_cmd()
    port = port_of(bot["command"])
    assert f"{port}:{port}" in bot["ports"]
    assert bot["healthcheck"]["test"] == ["CMD", *docker_healthcheck()]
    build = bot["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (DEPLOY / "Dockerfile").resolve()


def test_the_compose_services_share_one_postgres_and_the_env_file_has_its_example() -> None:
    spec = compose()
    services = spec["services"]
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in spec["volumes"]
    for name in ("bot", "scheduler"):
        service = services[name]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        env_files = service["env_file"] if isinstance(service["env_file"], list) else [service["env_file"]]
        for env_file in env_files:
            assert (DEPLOY / f"{env_file}.example").is_file(), f"{env_file}: no {env_file}.example to copy"
        url = re.sub(r"\$\{[^}]*\}", "secret", service["environment"]["DATABASE_URL"])
        parsed = make_url(url)
        assert (parsed.get_backend_name(), parsed.host, parsed.database) == (
            "postgresql", "postgres", postgres["environment"]["POSTGRES_DB"])  # fmt: skip
        assert parsed.username == postgres["environment"]["POSTGRES_USER"]


def test_the_scheduler_runs_beside_serve_processes_that_do_not_schedule() -> None:
    services = compose()["services"]
    assert str(services["bot"]["environment"]["PUNCHCARD_SCHEDULER"]) == "off"
    scheduler = services["scheduler"]
    assert build_parser().parse_args(scheduler["command"][1:]).command == "scheduler"
    assert scheduler["healthcheck"] == {"disable": True}  # it serves no /healthz
    assert "PUNCHCARD_SCHEDULER" not in scheduler.get("environment", {})


# --- systemd ----------------------------------------------------------------------------


def test_the_systemd_unit_serves_as_a_user_and_writes_only_its_data_dir() -> None:
    keys = unit("punchcard.service")
    [exec_start] = keys["ExecStart"]
    argv = shlex.split(exec_start)
    assert argv[0] == "/opt/punchcard/.venv/bin/punchcard"
    args = build_parser().parse_args(argv[1:])
    assert args.command == "serve" and args.port == port_of(docker_cmd())
    assert keys["User"][0] not in ("root", "0") and keys["EnvironmentFile"]
    assert keys["Restart"] == ["on-failure"]
    hardening = {key: keys[key] for key in ("NoNewPrivileges", "ProtectSystem", "PrivateTmp")}
    assert hardening == {"NoNewPrivileges": ["yes"], "ProtectSystem": ["strict"], "PrivateTmp": ["yes"]}
    [data] = keys["ReadWritePaths"]
    assert keys["WorkingDirectory"] == [data]
    database = dict(e.split("=", 1) for e in keys["Environment"])["DATABASE_URL"]
    assert Path(make_url(database).database or "").parent == Path(data)


def test_the_backup_timer_runs_punchcard_backup_into_the_data_dir() -> None:
    keys = unit("punchcard-backup.service")
    command = keys["ExecStart"][0].replace('"', "")
    assert "/opt/punchcard/.venv/bin/punchcard backup /var/lib/punchcard/backups/" in command
    assert keys["ReadWritePaths"] == unit("punchcard.service")["ReadWritePaths"]
    assert unit("punchcard-backup.timer")["OnCalendar"]


# --- the README and the settings ----------------------------------------------------------


def test_the_readme_deploy_section_follows_installing_in_slack_and_names_command_port_and_healthz() -> None:
    headings = re.findall(r"^## (.+)$", README, re.M)
    assert headings[headings.index("Install in your Slack") + 1] == "Deploy"
    deploy = section("Deploy")
    port = port_of(docker_cmd())
    assert " ".join(docker_cmd()[:2]) in deploy  # punchcard serve
    assert set(re.findall(r"\bport (\d+)", deploy)) == {str(port)} and "`GET /healthz`" in deploy
    assert "punchcard serve\n--socket" in deploy or "punchcard serve --socket" in deploy
    assert "PUNCHCARD_SCHEDULER=off" in deploy and "punchcard scheduler" in deploy
    for link in re.findall(r"\]\((deploy/[^)]*)\)", deploy):
        assert (ROOT / link).exists(), link
    assert "`punchcard backup FILE [--force]`" in section("Commands")
    assert "`punchcard restore FILE`" in section("Commands")


def configuration_variables() -> list[str]:
    table = section("Configuration")
    return re.findall(r"^\| `([A-Z][A-Z0-9_<>]*)` \|", table, re.M)


def test_the_env_example_names_every_setting_of_the_readme() -> None:
    variables = configuration_variables()
    assert len(variables) >= 12 and "DATABASE_URL" in variables
    example = env_example()
    for variable in variables:
        if variable == "PUNCHCARD_CRON_<JOB>":
            for name, job in JOBS.items():
                key = "PUNCHCARD_CRON_" + name.upper().replace("-", "_")
                assert example.get(key) == job.cron, f"{key} (default {job.cron!r}) is not in the env example"
            continue
        assert variable in example, f"{variable} is in the README's Configuration table, not the env example"


def test_the_env_example_holds_no_secret_and_its_example_values_are_valid() -> None:
    example = env_example()
    for secret in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        assert example[secret] == "", f"{secret} has a value in the example"
    settings = Settings.from_env(dict(example))  # raises ConfigError on any invalid example
    assert settings.scheduler is True
    for key, value in example.items():
        if key.startswith("PUNCHCARD_CRON_"):
            parse_cron(value)


@pytest.mark.parametrize(
    "name", ["Dockerfile", "docker-compose.yml", "punchcard.service", "slack-manifest.yml"]
)
def test_deploy_files_exist(name: str) -> None:
    assert (DEPLOY / name).is_file()
