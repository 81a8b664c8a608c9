import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import pending

ROOT = Path(__file__).resolve().parents[2]


def test_processes_starting_together_migrate_a_fresh_database_once(empty_database_url: str) -> None:
    code = (
        "import sys; from storage.db import make_engine; from storage.migrate import upgrade; "
        "upgrade(make_engine(sys.argv[1]))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, empty_database_url], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    engine = make_engine(empty_database_url)
    assert not pending(engine)
    assert "time_entries" in inspect(engine).get_table_names()
    engine.dispose()
