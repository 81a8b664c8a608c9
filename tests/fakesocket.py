"""A fake of Slack's Socket Mode WebSocket endpoint, on 127.0.0.1, owned by the tests.

The app asks ``apps.connections.open`` (answered by tests.fakeslack with :attr:`url`), opens
a WebSocket here and is greeted with ``hello``; the test then sends it envelopes as Slack
does (slash commands, events, interactivity) and reads the acks the app sends back, each
naming its envelope.
"""

from __future__ import annotations

import itertools
import json
import threading
from types import TracebackType
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve


class FakeSocketMode:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._connections: list[ServerConnection] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        # No per-message deflate: slack_sdk's built-in client does not negotiate it.
        self._server = serve(self._serve, "127.0.0.1", 0, compression=None)
        self.port = int(self._server.socket.getsockname()[1])
        self.url = f"ws://127.0.0.1:{self.port}/link/?ticket=fake"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-socket", daemon=True)
        self._thread.start()

    def _serve(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}}))
        with self._lock:
            self._connections.append(connection)
            self._lock.notify_all()
        try:
            for message in connection:
                ack = json.loads(message)
                with self._lock:
                    self._acks[str(ack.get("envelope_id"))] = ack
                    self._lock.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._connections.remove(connection)

    def wait_connected(self, timeout: float = 30.0) -> None:
        with self._lock:
            if not self._lock.wait_for(lambda: self._connections, timeout):
                raise AssertionError(f"no Socket Mode connection within {timeout}s")

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        """Send one envelope (``kind`` is slash_commands, events_api or interactive); its id."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api", "retry_attempt": 0}  # fmt: skip
        with self._lock:
            connection = self._connections[-1]
        connection.send(json.dumps(envelope))
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The app's acknowledgement of an envelope: ``{"envelope_id": ..., "payload"?: ...}``."""
        with self._lock:
            if not self._lock.wait_for(lambda: envelope_id in self._acks, timeout):
                raise AssertionError(f"{envelope_id} not acknowledged within {timeout}s")
            return self._acks[envelope_id]

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeSocketMode:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
