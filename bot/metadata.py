"""``private_metadata`` that Slack hands back unchanged, sealed so that a forged one is refused.

Slack echoes a view's ``private_metadata`` in its submission. The data says which entry a
form edits; an HMAC with this installation's secret makes sure it is what we wrote, so a
tampered form cannot point an edit at another entry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from bot.errors import UserError

MAX_METADATA = 3000  # Slack's limit for private_metadata


def seal(data: dict[str, Any], secret: str) -> str:
    payload = json.dumps(data, separators=(",", ":"), sort_keys=True)
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()[:16]
    sealed = payload + "|" + base64.urlsafe_b64encode(mac).decode().rstrip("=")
    if len(sealed) > MAX_METADATA:
        raise ValueError("private_metadata too long")
    return sealed


def unseal(sealed: str, secret: str) -> dict[str, Any]:
    payload, _, mac = sealed.rpartition("|")
    expected = (
        base64.urlsafe_b64encode(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()[:16])
        .decode()
        .rstrip("=")
    )
    if not payload or not hmac.compare_digest(mac, expected):
        raise UserError("This form was changed outside Slack, so nothing was saved. Open it again.")
    data = json.loads(payload)
    if not isinstance(data, dict):
        raise UserError("This form was changed outside Slack, so nothing was saved. Open it again.")
    return data
