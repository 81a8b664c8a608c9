"""Requests signed exactly as Slack signs them, and bodies shaped like Slack's.

https://api.slack.com/authentication/verifying-requests-from-slack: the signature is
``"v0=" + hex(HMAC-SHA256(secret, f"v0:{timestamp}:{body}"))``.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.fakeslack import record_block_kit

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_event_ids = itertools.count(1)
_trigger_ids = itertools.count(1)


def signature(secret: str, body: str, timestamp: int) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign(secret: str, body: str, timestamp: int | None = None, *, content_type: str = FORM) -> dict[str, str]:
    """The headers Slack sends with ``body``: timestamp, signature and content type."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(secret, body, ts),
        "Content-Type": content_type,
    }


def command_body(
    text: str,
    *,
    user_id: str = "U0MEMBER",
    command: str = "/track",
    response_url: str = "http://127.0.0.1:9/response",
    team_id: str = "T0FAKE",
    channel_id: str = "C0GENERAL",
    trigger_id: str | None = None,
    user_name: str | None = None,
) -> str:
    """A slash command payload, urlencoded in the order Slack sends its fields. Each has its
    own ``trigger_id`` unless one is given, as Slack's do: two commands are never one request."""
    if trigger_id is None:
        trigger_id = f"t.{next(_trigger_ids)}"
    if channel_id.startswith("D"):
        channel_name = "directmessage"
    elif channel_id == "C0GENERAL":
        channel_name = "general"
    else:
        channel_name = channel_id.lower()
    return urlencode(
        {
            "token": "fake-verification-token",
            "team_id": team_id,
            "team_domain": "fakefirm",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name if user_name is not None else user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0FAKE",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity request (block_actions, view_submission, ...): ``payload=<urlencoded json>``."""
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: dict[str, Any], *, team_id: str = "T0FAKE", event_id: str | None = None) -> str:
    """An Events API ``event_callback`` envelope, as JSON; sign it with ``content_type=JSON``."""
    return json.dumps(
        {
            "token": "fake-verification-token",
            "team_id": team_id,
            "api_app_id": "A0FAKE",
            "event": event,
            "type": "event_callback",
            "event_id": event_id if event_id is not None else f"Ev{next(_event_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": "U0BOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def post(
    url: str,
    body: str,
    secret: str,
    *,
    content_type: str = FORM,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """POST ``body`` signed with ``secret``; returns status, headers (names lower-cased) and body.

    Plain http.client: no proxies from the environment, and no exception on 4xx/5xx.
    ``headers`` are added last, so they can override (or forge) the signed ones.
    """
    parts = urlsplit(url)
    if parts.hostname is None:
        raise ValueError(f"not an absolute URL: {url!r}")
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    data = body.encode()
    request_headers = sign(secret, body, timestamp, content_type=content_type)
    request_headers["Content-Length"] = str(len(data))
    request_headers.update(headers or {})
    try:
        conn.request("POST", target, body=data, headers=request_headers)
        response = conn.getresponse()
        payload = response.read()
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
        # The app's JSON answers (command acks, response_action views) join the Block Kit the
        # sandbox page's renderer must draw (tests/e2e/test_sandbox_renderer.py).
        record_block_kit("ack", payload)
        return response.status, answer_headers, payload
    finally:
        conn.close()
