"""The one place WebClients are made: Settings' API URL, and 429s retried after Retry-After."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot import metrics
from bot.services.people import ProfileLookup, SlackProfile

logger = logging.getLogger(__name__)


class MeteredClient(WebClient):
    """A WebClient that counts each failed call by method and Slack's error
    (``punchcard_slack_api_errors_total``): every Web API call goes through ``api_call``."""

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as err:
            status = getattr(err.response, "status_code", 0)
            error = err.response.get("error") if status == 200 else f"http_{status}"
            metrics.SLACK_ERRORS.labels(api_method, str(error or "unknown")[:60]).inc()
            raise
        except (SlackClientError, OSError):
            metrics.SLACK_ERRORS.labels(api_method, "connection").inc()
            raise


def make_client(token: str | None, api_url: str, *, timeout: int = 10, retry_429: bool = True) -> WebClient:
    """A WebClient on ``api_url``, 429s retried after Retry-After (for calls made after the
    ack: views.open, views.publish, users.info)."""
    client = MeteredClient(token=token, base_url=api_url, timeout=timeout)
    if retry_429:
        # The default handlers retry connection errors only; Slack's 429s need this one.
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


def outbox_client(token: str | None, api_url: str, *, timeout: int = 10) -> WebClient:
    """The outbox sender's client: no retries of its own. The sender decides (backoff,
    Retry-After as a due time, not a sleep; a lost answer looked for before a resend), and a
    connection retried under it could post a message twice."""
    client = MeteredClient(token=token, base_url=api_url, timeout=timeout)
    client.retry_handlers = []
    return client


def profile_lookup(client: WebClient) -> ProfileLookup:
    """users.info as a :data:`bot.services.people.ProfileLookup`; failures give None."""

    def lookup(slack_id: str) -> SlackProfile | None:
        try:
            user = client.users_info(user=slack_id)["user"]
        except (SlackApiError, SlackClientError, KeyError, TypeError) as err:
            logger.warning("users.info failed for %s: %s", slack_id, err)
            return None
        profile = user.get("profile") or {}
        name = (
            user.get("real_name")
            or profile.get("real_name")
            or profile.get("display_name")
            or user.get("name")
            or slack_id
        )
        return SlackProfile(name=name, timezone=user.get("tz"))

    return lookup


def respond(response_url: str, message: dict[str, Any], *, replace_original: bool = False) -> None:
    """Answer through a slash command's or a click's ``response_url`` (after the ack: valid
    for 30 minutes), 429s retried; a failure is logged, there is no one else to tell."""
    webhook = WebhookClient(response_url, timeout=10)
    webhook.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    body = {**message, "replace_original": replace_original}
    if not replace_original:
        body.setdefault("response_type", "ephemeral")
    try:
        answer = webhook.send_dict(body)
    except (SlackClientError, OSError) as err:  # Slack out of reach: nothing to retry it with
        logger.warning("answering through the response URL failed: %s", err)
        return
    if answer.status_code != 200:
        logger.warning("the response URL answered %s: %s", answer.status_code, answer.body[:200])
