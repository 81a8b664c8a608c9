"""Time entries: the one module through which every entry is created, changed, deleted, or
moves through approval. ``rules`` holds the rules, ``changes`` the content changes (log, the
form, delete), ``timed`` a stopped timer's span, ``form`` the entry form's inputs, ``status`` submission,
decisions and reopening. No other code writes ``time_entries``."""

from bot.services.entries.changes import (
    Draft,
    Saved,
    create,
    delete,
    edit,
    last_entry,
    own_entry,
    version,
)
from bot.services.entries.rules import MAX_ENTRY_SECONDS, Invalid, Rule, Violation
from bot.services.entries.timed import from_timer

__all__ = [
    "MAX_ENTRY_SECONDS",
    "Draft",
    "Invalid",
    "Rule",
    "Saved",
    "Violation",
    "create",
    "delete",
    "edit",
    "from_timer",
    "last_entry",
    "own_entry",
    "version",
]
