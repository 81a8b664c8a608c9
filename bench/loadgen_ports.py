"""bench/loadgen.py's closed loop, spread over several ports, in its own process.

The same requests, sockets, parser and checks as bench/loadgen.py (imported from it); a job
names the ports its workers spread over (worker i talks to ``ports[i % len(ports)]``, so
two ports get half the workers each), and the result says what the load generator itself
cost: its CPU seconds (all threads, user + system) over the job, and the CPUs it may run on.

Two ways to drive the workers (``"mode"``):
- ``"threads"`` (default): as bench/loadgen.py, one thread per worker blocked in ``recv``;
- ``"epoll"``: one thread and one ``selectors`` loop over every worker's socket: no thread
  wakes per response and no GIL hand-offs, so it spends less CPU per request on a box
  whose cores the servers need. A response is timed when the loop reads its last byte
  (when several are ready together, each after those read before it: microseconds).

As a process (``python bench/loadgen_ports.py``) it reads one JSON job per line on stdin:
    {"ports": [P, ...], "secret": S, "workers": [[body, ...], ...], "check": ..., "mode": ...}
and writes one JSON result per line on stdout:
    {"latencies_ms": [...], "failures": N, "elapsed_s": T, "first_failure": ..., "cpu_s": C,
     "affinity": [cpu, ...], "threads": N}
Stdlib only.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
import sys
import threading
import time
from typing import Any

from loadgen import CHECKS, Closed, Conn, signed_request


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _threaded(
    ports: list[int], prepared: list[list[bytes]]
) -> tuple[list[list[float]], list[list[Any]], list[str], float]:
    per_worker: list[list[float]] = [[] for _ in prepared]
    answers: list[list[tuple[int, bytes]]] = [[] for _ in prepared]
    errors: list[str] = []
    start = threading.Barrier(len(prepared) + 1)

    def worker(i: int) -> None:
        conn = None
        try:
            conn = Conn(ports[i % len(ports)])
        except OSError as err:
            errors.append(f"connect: {err}")
        start.wait()
        if conn is None:
            return
        lat, got, clock = per_worker[i], answers[i], time.perf_counter
        for request in prepared[i]:
            t0 = clock()
            try:
                status, body, keep = conn.exchange(request)
            except (OSError, Closed, ValueError, IndexError) as err:
                lat.append((clock() - t0) * 1000)
                got.append((0, repr(err).encode()))
                try:
                    conn.reconnect()
                except OSError:
                    return
                continue
            lat.append((clock() - t0) * 1000)
            got.append((status, body))
            if not keep:
                conn.reconnect()
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(prepared))]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return per_worker, answers, errors, time.perf_counter() - t0


class _Response:
    """An incremental HTTP/1.1 response parser for the epoll loop (Content-Length bodies,
    which is what uvicorn sends for these answers; anything else counts as a failure)."""

    __slots__ = ("buf", "status", "length", "keep")

    def __init__(self) -> None:
        self.buf = b""
        self.status = 0
        self.length = -1
        self.keep = True

    def feed(self, chunk: bytes) -> bytes | None:
        """The body once the whole response is in, else None."""
        self.buf += chunk
        if self.length < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return None
            head, self.buf = self.buf[:end], self.buf[end + 4 :]
            lines = head.split(b"\r\n")
            self.status = int(lines[0].split(b" ", 2)[1])
            self.length = -2  # no Content-Length: not supported here
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    self.length = int(value)
                elif name == b"connection" and b"close" in value.lower():
                    self.keep = False
            if self.length == -2:
                raise ValueError("a response without Content-Length")
        if len(self.buf) < self.length:
            return None
        if len(self.buf) > self.length:
            raise ValueError("bytes after the response: a pipelining server?")
        return self.buf


def _epoll(
    ports: list[int], prepared: list[list[bytes]]
) -> tuple[list[list[float]], list[list[Any]], list[str], float]:
    per_worker: list[list[float]] = [[] for _ in prepared]
    answers: list[list[tuple[int, bytes]]] = [[] for _ in prepared]
    errors: list[str] = []
    sel = selectors.DefaultSelector()
    socks: list[socket.socket | None] = []
    for i in range(len(prepared)):
        try:
            s = socket.create_connection(("127.0.0.1", ports[i % len(ports)]), timeout=30)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.setblocking(False)
            socks.append(s)
        except OSError as err:
            errors.append(f"connect: {err}")
            socks.append(None)
    nxt = [0] * len(prepared)
    started = [0.0] * len(prepared)
    parsers = [_Response() for _ in prepared]
    clock = time.perf_counter

    def send(i: int) -> bool:
        s = socks[i]
        if s is None or nxt[i] >= len(prepared[i]):
            return False
        parsers[i] = _Response()
        started[i] = clock()
        try:
            s.sendall(prepared[i][nxt[i]])  # a few hundred bytes: the socket buffer takes them whole
        except OSError as err:
            fail(i, err)
            return send(i)
        return True

    def fail(i: int, err: Exception) -> None:
        per_worker[i].append((clock() - started[i]) * 1000)
        answers[i].append((0, repr(err).encode()))
        nxt[i] += 1
        s = socks[i]
        if s is not None:
            with contextlib.suppress(KeyError, ValueError):
                sel.unregister(s)
            s.close()
        try:
            s = socket.create_connection(("127.0.0.1", ports[i % len(ports)]), timeout=30)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.setblocking(False)
            socks[i] = s
            sel.register(s, selectors.EVENT_READ, i)
        except OSError:
            socks[i] = None

    t0 = clock()
    active = 0
    for i, s in enumerate(socks):
        if s is not None:
            sel.register(s, selectors.EVENT_READ, i)
            active += send(i)
    while active:
        for key, _ in sel.select(timeout=30):
            i = key.data
            s = socks[i]
            assert s is not None
            try:
                chunk = s.recv(65536)
                if not chunk:
                    raise Closed()
                body = parsers[i].feed(chunk)
            except BlockingIOError:
                continue
            except (OSError, Closed, ValueError, IndexError) as err:
                fail(i, err)
                if not send(i):
                    active -= 1
                continue
            if body is None:
                continue
            per_worker[i].append((clock() - started[i]) * 1000)
            answers[i].append((parsers[i].status, body))
            nxt[i] += 1
            if not parsers[i].keep:
                sel.unregister(s)
                s.close()
                s = socket.create_connection(("127.0.0.1", ports[i % len(ports)]), timeout=30)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.setblocking(False)
                socks[i] = s
                sel.register(s, selectors.EVENT_READ, i)
            if not send(i):
                active -= 1
    elapsed = clock() - t0
    for s in socks:
        if s is not None:
            s.close()
    sel.close()
    return per_worker, answers, errors, elapsed


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    ports = [int(p) for p in job["ports"]]
    secret = str(job["secret"])
    ts = int(time.time())  # fixed for the job: Slack's signature check allows 5 minutes of skew
    workers = job["workers"]
    prepared = [
        [signed_request(ports[i % len(ports)], secret, b, ts) for b in bodies]
        for i, bodies in enumerate(workers)
    ]
    check = job.get("check")
    mode = job.get("mode") or "threads"
    cpu0 = _cpu()
    per_worker, answers, errors, elapsed = (_epoll if mode == "epoll" else _threaded)(ports, prepared)
    cpu = _cpu() - cpu0
    first = errors[0] if errors else None
    failures = sum(len(p) - len(a) for p, a in zip(prepared, answers, strict=True))  # never sent
    for got in answers:
        for status, body in got:
            if status != 200 or (check in CHECKS and not CHECKS[check](body)):
                failures += 1
                first = first or f"HTTP {status}: {body[:200]!r}"
    return {
        "latencies_ms": [x for lat in per_worker for x in lat],
        "failures": failures,
        "elapsed_s": elapsed,
        "first_failure": first,
        "cpu_s": cpu,
        "affinity": sorted(os.sched_getaffinity(0)),
        "threads": len(prepared) if mode != "epoll" else 1,
    }


def main() -> None:
    sys.setswitchinterval(0.0005)  # as bench/loadgen.py: wake a worker promptly when its response arrives
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(run_job(json.loads(line))) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
