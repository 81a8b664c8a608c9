"""What Slack always sends, checked at the front door before a listener reads it.

Slack's requests have a fixed shape (https://api.slack.com/interactivity/handling,
https://api.slack.com/interactivity/slash-commands, https://api.slack.com/apis/events-api):
a slash command always carries its user, channel, text, trigger and response URL; a click
its user and the actions; a submitted modal its view with its id, type and state. A signed
body missing one of them is not a request Slack made (a signing secret leaked into a
script, a proxy that rewrote the body): it gets a 400 (bot.web) rather than reaching a
listener that would fail on it and leave a traceback.

Listeners may then read these fields as Bolt's examples do (``body["user"]["id"]``); what
Slack sends only sometimes they read with ``.get``.
"""

from __future__ import annotations

from typing import Any

from bot.parsing import MAX_ID

COMMAND_FIELDS = ("command", "text", "user_id", "channel_id", "trigger_id", "response_url")
OBJECTS = ("user", "team", "channel", "message", "container", "view")  # objects where present
TEXTS = ("trigger_id", "response_url", "callback_id", "action_id", "value")  # text where present
ELEMENT_TEXTS = ("type", "value", "selected_date", "selected_time", "selected_user", "selected_channel")
PEOPLE_PAYLOADS = frozenset(
    {"block_actions", "block_suggestion", "view_submission", "view_closed", "shortcut", "message_action"}
)


def is_slack_shaped(body: Any) -> bool:
    """Whether a parsed body (Bolt's ``request.body``) has what Slack always sends for its kind.
    Kinds Punchcard has no listener for pass: Bolt answers those itself."""
    if not isinstance(body, dict):
        return False
    if "command" in body:
        return all(isinstance(body.get(field), str) for field in COMMAND_FIELDS) and _is_url(
            body["response_url"]
        )
    kind = body.get("type")
    if kind in PEOPLE_PAYLOADS and not _text(body, "user", "id"):
        return False
    if not all(isinstance(body.get(part, {}), dict) for part in OBJECTS):
        return False
    if not all(isinstance(body.get(part, ""), str) for part in TEXTS):
        return False
    if "response_url" in body and not _is_url(body["response_url"]):
        return False
    if kind == "block_actions":
        actions = body.get("actions")
        if not (
            isinstance(actions, list)
            and actions
            and all(_is_element(a) and _text(a, "action_id") for a in actions)
        ):
            return False
        return _text(body, "trigger_id") and ("view" not in body or _is_view(body["view"]))
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        submitted = kind == "view_submission"
        return _is_view(view) and (
            not submitted or _text(body, "trigger_id") and "values" in body["view"].get("state", {})
        )
    if kind in ("shortcut", "message_action"):
        if not (_text(body, "callback_id") and _text(body, "trigger_id")):
            return False
        return kind == "shortcut" or (isinstance(body.get("message"), dict) and _text(body, "channel", "id"))
    if kind == "block_suggestion":
        return _text(body, "action_id") and isinstance(body.get("value"), str)
    if kind == "event_callback":
        event = body.get("event")
        if not _text(event, "type"):
            return False
        return body["event"]["type"] != "app_home_opened" or _text(event, "user")
    if kind == "url_verification":
        return _text(body, "challenge")
    return True


def _is_view(view: Any) -> bool:
    """A view as Slack sends it: an id and a type, text where text goes, and a state whose
    values are blocks of elements (``values[block][action]``) typed as Slack types them."""
    if not (_text(view, "id") and _text(view, "type")):
        return False
    if not all(isinstance(view.get(part, ""), str) for part in ("callback_id", "private_metadata", "hash")):
        return False
    if not (
        isinstance(view.get("title", {}), dict) and isinstance(view.get("title", {}).get("text", ""), str)
    ):
        return False
    state = view.get("state", {})
    values = state.get("values", {}) if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return False
    return all(
        isinstance(block, dict) and all(_is_element(element) for element in block.values())
        for block in values.values()
    )


def _is_element(element: Any) -> bool:
    """An input or an action: its chosen values are text or options of text, or absent."""
    if not isinstance(element, dict):
        return False
    if not all(isinstance(element.get(part), str | None) for part in ELEMENT_TEXTS):
        return False
    option = element.get("selected_option")
    if option is not None and not (isinstance(option, dict) and isinstance(option.get("value"), str)):
        return False
    options = element.get("selected_options")
    return options is None or (
        isinstance(options, list)
        and all(isinstance(o, dict) and isinstance(o.get("value"), str) for o in options)
    )


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _text(value: Any, *path: str) -> bool:
    """Whether ``value[path[0]][path[1]]...`` is a non-empty string."""
    for key in path:
        if not isinstance(value, dict):
            return False
        value = value.get(key)
    return isinstance(value, str) and value != ""


def whole_number(value: Any, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """A number Punchcard put in a button's value (an entry or submission id, a page), read
    back: ASCII digits (or a JSON number) within ``low..high``, else None (a value Punchcard
    never sent)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if low <= value <= high else None
    if not (isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10):
        return None
    number = int(value)
    return number if low <= number <= high else None
