"""Approvals: a person submits a period (``submit``), its approver decides it whole or entry by
entry (``decide``), partners see what waits and reopen (``queue``), and what a submission
looks like now (``overview``). The entries' own changes are ``bot.services.entries.status``'s."""

from bot.services.approvals.decide import AlreadyDecided, Decision, EntryDecided, decide, decide_entry
from bot.services.approvals.overview import Line, Overview, for_viewer, overview
from bot.services.approvals.queue import Waiting, reopen, waiting_for
from bot.services.approvals.submit import HeldBack, Sent, SubmitResult, request_key, submit

__all__ = [
    "AlreadyDecided",
    "Decision",
    "EntryDecided",
    "HeldBack",
    "Line",
    "Overview",
    "Sent",
    "SubmitResult",
    "Waiting",
    "decide",
    "decide_entry",
    "for_viewer",
    "overview",
    "reopen",
    "request_key",
    "submit",
    "waiting_for",
]
