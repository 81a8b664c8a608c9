"""Benchmark: the project type-ahead (block_suggestion) over 5,000 projects, against a bare Bolt app.

In one run: `punchcard serve` on a SQLite file with 5,000 projects, and a bare Bolt app that
answers the same signed request with a constant list of 100 options, served the fastest way
found (harness.BARE_APP). Both get the same requests at concurrency 8 from bench/loadgen.py in
its own process, in alternating rounds; the script prints p50/p99 for each and their ratio
(target: Punchcard's p99 <= 3x the bare app's).

    python bench/options_load.py [--requests 5000] [--concurrency 8] [--projects 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import harness
from track_compare import LoadGen

QUERIES = [
    "",
    "p",
    "pr",
    "proj",
    "project 1",
    "project 12",
    "CL-01",
    "cl-02-0",
    "matter",
    "zz",
    "project 499",
]


# Slack's requests are never the same twice (a fresh trigger or action time each):
# an identical signed body is a replay, which Punchcard ignores (bot.signing).
_unique = itertools.count(1)


def firm_yaml(projects: int) -> str:
    lines = ["workspace: {timezone: America/New_York, currency: USD}",
             "people: [{slack_id: U0BENCH, name: Bench Person, timezone: America/New_York}]", "clients:"]  # fmt: skip
    per_client = 100
    for c in range(projects // per_client):
        lines += [f"  - name: Client {c:02d}", "    projects:"]
        for p in range(per_client):
            lines.append(f"      - {{name: Project {c * per_client + p} matter, code: CL-{c:02d}-{p:03d}}}")
    return "\n".join(lines) + "\n"


def body_for(query: str) -> str:
    payload = {
        "type": "block_suggestion", "user": {"id": "U0BENCH", "team_id": "T0FAKE"}, "team": {"id": "T0FAKE"},
        "api_app_id": "A0BENCH", "token": "x", "action_id": "project_select", "block_id": "project",
        "value": query, "action_ts": f"{next(_unique)}.1", "view": {"id": "V0BENCH", "type": "modal", "callback_id": "entry_modal"},
    }  # fmt: skip
    return "payload=" + urllib.parse.quote(json.dumps(payload))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="punchcard-bench-"))
    try:
        with harness.fake_slack() as api:
            env = harness.environment(api, f"sqlite:///{workdir / 'bench.db'}")
            (workdir / "firm.yaml").write_text(firm_yaml(args.projects))
            subprocess.run([*harness.PUNCHCARD, "import", "firm.yaml"], cwd=workdir, env=env, check=True,
                           capture_output=True)  # fmt: skip
            ours, bare = harness.free_port(), harness.free_port()
            with harness.servers([
                ([*harness.PUNCHCARD, "serve", "--port", str(ours)], workdir, env, ours),
                ([sys.executable, "-c", harness.BARE_APP, api, harness.SECRET, str(bare), "options"], None, env, bare),
            ]):  # fmt: skip
                loadgen = LoadGen()

                def run(port: int, check: str | None) -> harness.Callable[[int], tuple[list[float], int]]:
                    def go(n: int) -> tuple[list[float], int]:
                        bodies = [body_for(QUERIES[i % len(QUERIES)]) for i in range(n)]
                        workers = [bodies[w :: args.concurrency] for w in range(args.concurrency)]
                        result = loadgen.run(port, workers, check)
                        return result["latencies_ms"], result["failures"]

                    return go

                variants = [("bare Bolt, constant 100 options", run(bare, "options")),
                            (f"punchcard, {args.projects:,} projects", run(ours, "options"))]  # fmt: skip
                for _name, go in variants:
                    go(200)  # warm-up
                try:
                    results = harness.rounds(variants, args.requests, args.rounds)
                finally:
                    loadgen.proc.terminate()
                    loadgen.proc.wait()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    title = f"block_suggestion (project type-ahead), concurrency {args.concurrency}, {args.rounds} alternating rounds"
    return harness.report(title, results, f"punchcard, {args.projects:,} projects")


if __name__ == "__main__":
    sys.exit(main())
