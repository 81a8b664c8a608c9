"""Benchmark: signed /track start and /track stop against `punchcard serve`, beside bare Bolt apps.

In one run: `punchcard serve` (SQLite), and bare Bolt apps that only ack /track, served three
ways: Bolt's stock Starlette adapter, dispatch on a thread pool, and dispatch inline on the
event loop with process_before_response (the fastest found; bench/track_compare.py tries
more servings, with its load generator in its own process). Each gets the same load: C workers,
each its own person, alternating `/track start BENCH-n bench work` and `/track stop`, in
alternating rounds; the script prints p50/p99 for each and Punchcard's p99 over the fastest
bare app's (target <= 3).

    python bench/track_load.py [--requests 2000] [--concurrency 16] [--rounds 4]
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

OURS = "punchcard serve (SQLite)"


# Slack's requests are never the same twice (a fresh trigger or action time each):
# an identical signed body is a replay, which Punchcard ignores (bot.signing).
_unique = itertools.count(1)


def firm_yaml(people: int) -> str:
    lines = [
        "workspace: {timezone: America/New_York, currency: USD, required_fields: [description]}",
        "people:",
    ]
    lines += [
        f"  - {{slack_id: U0BENCH{i:02d}, name: Bench {i}, timezone: America/New_York}}"
        for i in range(people)
    ]
    lines += ["clients:", "  - name: Bench Client", "    projects:"]
    lines += [
        f"      - {{name: Bench matter {i}, code: BENCH-{i}, tasks: [{{name: Drafting}}]}}" for i in range(50)
    ]
    return "\n".join(lines) + "\n"


def command_body(user: str, text: str) -> str:
    return urllib.parse.urlencode({
        "token": "x", "team_id": "T0FAKE", "team_domain": "bench", "channel_id": "C0BENCH", "channel_name": "bench",
        "user_id": user, "user_name": user.lower(), "command": "/track", "text": text, "api_app_id": "A0BENCH",
        "response_url": "http://127.0.0.1:9/response", "trigger_id": f"{next(_unique)}.bench",
    })  # fmt: skip


def answered(_status: int, data: bytes) -> bool:
    text = json.loads(data).get("text", "")
    return bool(text) and not text.startswith(":warning:")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="punchcard-bench-"))
    try:
        with harness.fake_slack() as api:
            env = harness.environment(api, f"sqlite:///{workdir / 'bench.db'}")
            (workdir / "firm.yaml").write_text(firm_yaml(args.concurrency))
            subprocess.run([*harness.PUNCHCARD, "import", "firm.yaml"], cwd=workdir, env=env, check=True,
                           capture_output=True)  # fmt: skip
            ports = {name: harness.free_port() for name in ("stock", "threadpool", "fast", "ours")}
            bare = [sys.executable, "-c", harness.BARE_APP, api, harness.SECRET]
            with harness.servers([
                ([*bare, str(ports["stock"]), "command", "stock"], None, env, ports["stock"]),
                ([*bare, str(ports["threadpool"]), "command", "threadpool"], None, env, ports["threadpool"]),
                ([*bare, str(ports["fast"]), "command", "fast"], None, env, ports["fast"]),
                ([*harness.PUNCHCARD, "serve", "--port", str(ports["ours"])], workdir, env, ports["ours"]),
            ]):  # fmt: skip

                def run(
                    port: int, check: harness.Check | None
                ) -> harness.Callable[[int], tuple[list[float], int]]:
                    def go(n: int) -> tuple[list[float], int]:
                        per_worker = []
                        for w in range(args.concurrency):
                            user, count = (
                                f"U0BENCH{w:02d}",
                                n // args.concurrency + (w < n % args.concurrency),
                            )
                            texts = [
                                f"start BENCH-{w} Drafting bench work" if i % 2 == 0 else "stop"
                                for i in range(count)
                            ]
                            if count % 2:  # end stopped, so the next round starts clean
                                texts.append("stop")
                            per_worker.append([command_body(user, t) for t in texts])
                        return harness.load(port, per_worker, check)

                    return go

                variants = [
                    ("bare Bolt, stock Starlette adapter", run(ports["stock"], None)),
                    ("bare Bolt, dispatch in thread pool", run(ports["threadpool"], None)),
                    ("bare Bolt, inline on the loop + pbr=True", run(ports["fast"], None)),
                    (OURS, run(ports["ours"], answered)),
                ]
                for _name, go in variants:
                    go(10 * args.concurrency)  # warm-up
                results = harness.rounds(variants, args.requests, args.rounds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    title = f"/track start|stop, concurrency {args.concurrency}, {args.rounds} alternating rounds"
    return harness.report(title, results, OURS)


if __name__ == "__main__":
    sys.exit(main())
