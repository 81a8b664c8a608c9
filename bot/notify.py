"""What the bot shows after the ack, straight from the request's work: the App Home (kept in
step with a person's changes, coalesced; losing one publish loses nothing, the next change
or opening of the tab republishes it) and modals opened for a person (their trigger expires
in 3 s, so they cannot wait in a queue). Messages the bot sends on its own go through the
outbox (bot.delivery)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Deps
from bot.services import home_tab
from bot.views.home_tab import home_view, welcome_view
from storage import people

logger = logging.getLogger(__name__)


def publish_home(deps: Deps, client: WebClient, user_id: str, *, page: int = 0) -> None:
    """Rebuild and publish the person's Home tab; never raises (it runs after the ack)."""
    view = build_home(deps, user_id, page=page)
    if view is not None:
        send_home(client, user_id, view)


def build_home(deps: Deps, user_id: str, *, page: int = 0) -> dict[str, Any] | None:
    """The person's Home tab as it is now (None, logged, when it could not be built)."""
    try:
        now = deps.clock()
        with deps.db.transaction(read_only=True) as conn:
            person = people.person(conn, user_id)
            # Someone who never used /track sees the welcome; they are registered on first use.
            if person is None:
                return welcome_view()
            return home_view(home_tab.home_data(conn, person, now=now, page=page), now=now, page=page)
    except Exception:
        logger.exception("building the Home tab failed for %s", user_id)
        return None


def send_home(client: WebClient, user_id: str, view: dict[str, Any]) -> None:
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as err:
        logger.warning("views.publish failed for %s: %s", user_id, err.response.get("error"))
    except Exception:
        logger.exception("publishing the Home tab failed for %s", user_id)


# A change republishes the Home tab once per burst of changes, this long after the first:
# soon when the person is on the Home tab (they clicked there), later when the change came
# from a slash command in a channel, where a busy timekeeper's Home is not in view.
HOME_DELAY = 2.0
HOME_DELAY_IN_VIEW = 0.2


def home_changed(deps: Deps, client: WebClient, user_id: str, *, delay: float = HOME_DELAY) -> None:
    """The person's timer or entries changed: their Home tab follows."""

    def prepare() -> Callable[[], None] | None:
        view = build_home(deps, user_id)
        return None if view is None else lambda: send_home(client, user_id, view)

    deps.coalesce(f"home:{user_id}", delay, prepare)


def open_view(client: WebClient, trigger_id: str, view: dict[str, Any]) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as err:
        # An expired trigger (over 3 s) or a view Slack refuses: log it; there is no one to tell.
        logger.warning("views.open failed: %s", err.response.get("error"))
