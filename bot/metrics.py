"""What ``GET /metrics`` says (Prometheus text format, ``prometheus-client``), and the one
line a request is logged as.

- ``punchcard_request_seconds{route, kind, outcome}``: every HTTP request's latency, by route
  (``slack``, ``share``, ``share_csv``, ``healthz``, ``metrics``, ``other``) and kind (for
  Slack: ``track:<subcommand>``, ``action``, ``view``, ``options``, ``shortcut``, ``event``);
  outcome ``ok``, ``refused`` (4xx) or ``error`` (5xx).
- ``punchcard_job_runs_total{job, outcome}`` and ``punchcard_job_seconds{job}``: scheduled jobs
  (``done``, ``failed``, ``elsewhere``: the tick was another process's).
- ``punchcard_outbox_messages{status}``: the outbox's depth, read at each scrape; and
  ``punchcard_outbox_failures_total{kind, final}``: failed sends (``final``: given up).
- ``punchcard_slack_api_errors_total{method, error}``: every Slack Web API call that failed.

Each process has its own: scrape every ``serve`` (and ``scheduler``) process. Nothing here
holds a token, a signature or a share link's path: a request line names its route, not its URL.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storage import outbox
from storage.db import Database

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Histogram(
    "punchcard_request_seconds", "HTTP requests by route and kind", ["route", "kind", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0), registry=REGISTRY,
)  # fmt: skip
JOB_RUNS = Counter("punchcard_job_runs_total", "Scheduled job runs", ["job", "outcome"], registry=REGISTRY)
JOB_SECONDS = Histogram("punchcard_job_seconds", "Scheduled job run time", ["job"], registry=REGISTRY,
                        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0))  # fmt: skip
OUTBOX_DEPTH = Gauge("punchcard_outbox_messages", "Outbox messages by status", ["status"], registry=REGISTRY)
OUTBOX_FAILURES = Counter("punchcard_outbox_failures_total", "Outbox sends that failed", ["kind", "final"],
                          registry=REGISTRY)  # fmt: skip
SLACK_ERRORS = Counter("punchcard_slack_api_errors_total", "Slack Web API calls that failed",
                       ["method", "error"], registry=REGISTRY)  # fmt: skip

request_log = logging.getLogger("punchcard.requests")
_observers: dict[tuple[str, str, str], Any] = {}


def outcome(status: int) -> str:
    return "ok" if status < 400 else "refused" if status < 500 else "error"


def observe(route: str, kind: str, status: int, started: float) -> None:
    """One request: its latency in the histogram, and its one log line."""
    seconds = time.perf_counter() - started
    key = (route, kind, outcome(status))
    child = _observers.get(key)
    if child is None:  # label lookups cost more than the observation: keep the children
        child = _observers[key] = REQUESTS.labels(*key)
    child.observe(seconds)
    if request_log.isEnabledFor(logging.INFO):
        request_log.info("request route=%s kind=%s status=%d ms=%.2f", route, kind, status, seconds * 1000)


def exposition(db: Database) -> bytes:
    """The metrics, the outbox's depth read now."""
    with db.transaction(read_only=True) as conn:
        counts = outbox.counts(conn)
    for status in ("pending", "sending", "sent", "failed", "skipped"):
        OUTBOX_DEPTH.labels(status).set(counts.get(status, 0))
    return bytes(generate_latest(REGISTRY))


def route(db: Database) -> Route:
    """``GET /metrics``, the database read on the thread pool."""

    async def metrics(_request: Request) -> Response:
        return Response(await run_in_threadpool(exposition, db), media_type=CONTENT_TYPE)

    return Route("/metrics", metrics, methods=["GET"])
