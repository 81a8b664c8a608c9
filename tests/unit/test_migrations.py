import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import pending
from tests.conftest import POSTGRES_URL, _postgres_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PUNCHCARD_TEST_POSTGRES_URL is not set")
    yield from _postgres_database(POSTGRES_URL)


def test_processes_starting_together_migrate_a_fresh_database_once(fresh_url: str) -> None:
    code = (
        "import sys; from storage.db import make_engine; from storage.migrate import upgrade; "
        "upgrade(make_engine(sys.argv[1]))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, fresh_url], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    engine = make_engine(fresh_url)
    assert not pending(engine)
    assert "time_entries" in inspect(engine).get_table_names()
    engine.dispose()
