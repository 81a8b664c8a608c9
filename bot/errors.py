"""Errors that carry a message meant for the person who caused them."""

from __future__ import annotations


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
