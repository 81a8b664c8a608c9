"""A cheap closed-loop HTTP/1.1 load generator, meant to run in its own process.

Each worker thread holds one keep-alive socket and sends its requests back to back. Every
request (signed body and headers) is built into one ``bytes`` before the clock starts, and
responses are read with a minimal parser (status line, Content-Length or chunked), so the
client spends a few microseconds of CPU per request, not the ~100 us of ``http.client``.
Latency is from just before ``sendall`` to the last byte of the body.

As a process (``python bench/loadgen.py``) it reads one JSON job per line on stdin:
    {"port": P, "secret": S, "workers": [[body, ...], ...], "check": "slack_text" | "options" | null}
and writes one JSON result per line on stdout:
    {"latencies_ms": [...], "failures": N, "elapsed_s": T, "first_failure": "..." | null}
Every response must be HTTP 200; ``check: "slack_text"`` also counts one whose JSON ``text``
is empty or starts with ":warning:" as a failure, ``check: "options"`` one that is not a list of options
(checked after the clock stops). Stdlib only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import sys
import threading
import time
from typing import Any

PATH = "/slack/events"


def signed_request(port: int, secret: str, body: str, ts: int) -> bytes:
    """The whole HTTP request, signed as Slack signs: v0=HMAC-SHA256(secret, "v0:{ts}:{body}")."""
    raw = body.encode()
    mac = hmac.new(secret.encode(), b"v0:%d:" % ts + raw, hashlib.sha256).hexdigest()
    head = (
        f"POST {PATH} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)\r\n"
        "Accept: application/json,*/*\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(raw)}\r\n"
        f"X-Slack-Request-Timestamp: {ts}\r\n"
        f"X-Slack-Signature: v0={mac}\r\n"
        "\r\n"
    )
    return head.encode() + raw


class Closed(Exception):
    pass


class Conn:
    def __init__(self, port: int) -> None:
        self.port = port
        self.sock = self._connect()
        self.buf = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def reconnect(self) -> None:
        self.sock.close()
        self.sock = self._connect()
        self.buf = b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed()
        self.buf += chunk

    def _read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _read_line(self) -> bytes:
        while (i := self.buf.find(b"\r\n")) < 0:
            self._fill()
        out, self.buf = self.buf[:i], self.buf[i + 2 :]
        return out

    def exchange(self, request: bytes) -> tuple[int, bytes, bool]:
        """Send one request, read one response: (status, body, server keeps the connection)."""
        self.sock.sendall(request)
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._fill()
        head, self.buf = self.buf[:end], self.buf[end + 4 :]
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, keep = -1, False, True
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                keep = False
        if chunked:
            parts = []
            while (size := int(self._read_line().split(b";")[0], 16)) > 0:
                parts.append(self._read_exact(size))
                self._read_exact(2)
            while self._read_line():  # trailers, up to the empty line
                pass
            body = b"".join(parts)
        elif length >= 0:
            body = self._read_exact(length)
        else:  # the body runs to the end of the connection
            try:
                while True:
                    self._fill()
            except Closed:
                pass
            body, self.buf, keep = self.buf, b"", False
        return status, body, keep

    def close(self) -> None:
        self.sock.close()


def slack_text_ok(body: bytes) -> bool:
    try:
        text = json.loads(body).get("text", "")
    except (ValueError, AttributeError):
        return False
    return bool(text) and not text.startswith(":warning:")


def options_ok(body: bytes) -> bool:
    """An options answer: a list of options (empty when nothing matches)."""
    try:
        return isinstance(json.loads(body).get("options"), list)
    except (ValueError, AttributeError):
        return False


CHECKS = {"slack_text": slack_text_ok, "options": options_ok}


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    port, secret = int(job["port"]), str(job["secret"])
    ts = int(time.time())  # fixed for the job: Slack's signature check allows 5 minutes of skew
    prepared = [[signed_request(port, secret, b, ts) for b in bodies] for bodies in job["workers"]]
    check = job.get("check")
    per_worker: list[list[float]] = [[] for _ in prepared]
    answers: list[list[tuple[int, bytes]]] = [[] for _ in prepared]
    errors: list[str] = []
    start = threading.Barrier(len(prepared) + 1)

    def worker(i: int) -> None:
        conn = None
        try:
            conn = Conn(port)
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
    elapsed = time.perf_counter() - t0

    first = errors[0] if errors else None
    failures = sum(len(p) - len(a) for p, a in zip(prepared, answers, strict=True))  # never sent
    for got in answers:
        for status, body in got:
            if status != 200 or (check in CHECKS and not CHECKS[check](body)):
                failures += 1
                first = first or f"HTTP {status}: {body[:200]!r}"
    latencies = [x for lat in per_worker for x in lat]
    return {"latencies_ms": latencies, "failures": failures, "elapsed_s": elapsed, "first_failure": first}


def main() -> None:
    sys.setswitchinterval(0.0005)  # wake a worker promptly when its response arrives
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(run_job(json.loads(line))) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
