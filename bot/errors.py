"""Errors that reach the person who caused them.

``UserError`` carries its message (the ``/track`` grammar's and the CLI's own answers);
``Refused`` is a service saying no, with a reason code and the facts the answer needs: its
words are ``bot.views.refusals``'s, so services hold no user-facing text.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Bad input or a refused action. ``message`` is shown to the user as is (mrkdwn)."""

    def __init__(self, message: str, *, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage

    def render(self) -> str:
        if self.usage:
            return f"{self.message}\n{self.usage}"
        return self.message


class NotFound(UserError):
    pass


class Refused(Exception):
    """A service refusing an action: ``reason`` names which refusal, ``facts`` what its
    answer says (who decided, which month...)."""

    def __init__(self, reason: str, **facts: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.facts = facts
