"""What the operational commands print: the outbox, the scheduled jobs, the share links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from storage.jobs import RunRow
from storage.outbox import OutboxRow
from storage.sharing import LinkRow


def _when(instant: datetime | None) -> str:
    return f"{instant:%Y-%m-%d %H:%M:%S} UTC" if instant else "-"


def outbox_table(rows: list[OutboxRow]) -> str:
    if not rows:
        return "No messages."
    lines = [f"{'id':>6}  {'status':<8} {'tries':>5}  {'kind':<18} {'to':<12} {'when':<23}  key / error"]
    for r in rows:
        when = r.sent_at if r.sent_at else r.due_at
        to = r.channel or r.user_id or ""
        status = f"{r.id:>6}  {r.status.value:<8} {r.attempts:>5}"
        line = f"{status}  {r.kind:<18} {to:<12} {_when(when):<23}  {r.key}"
        if r.ts:
            line += f"  (ts {r.ts})"
        if r.last_error and r.status.value != "sent":
            line += f"\n{'':>8}error: {r.last_error}"
        lines.append(line)
    return "\n".join(lines)


def outbox_counts(counts: dict[str, int]) -> str:
    order = ("pending", "sending", "sent", "failed", "skipped")
    return "In all: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in order) + "."


def job_line(job: Any, cron: str, last: RunRow | None, next_run: datetime | None) -> str:
    ran = "never ran"
    if last is not None:
        ran = f"last run {_when(last.started_at)} ({last.outcome}{': ' + last.detail if last.detail else ''})"
    return f"{job.name}  [{cron}]  next {_when(next_run)}; {ran}\n    {job.about}"


def job_ran(job: Any, at: datetime, keys: list[str]) -> str:
    queued = f"queued {len(keys)} message(s)" if keys else "nothing to send"
    return f"{job.name} ran as of {_when(at)}: {queued}."


def share_links_table(links: list[LinkRow], today: date) -> str:
    """``punchcard share --list``: each link's hint, client, scope, state and openings."""
    from bot.services.sharing import expiry

    if not links:
        return "No share links."
    head = f"{'link':<9} {'client':<24} {'projects':<12} {'state':<8} {'until':<10} {'opens':>5}"
    lines = [f"{head}  last opened"]
    for link in links:
        until = link.expires_on.isoformat() if link.expires_on else "-"
        scope = (link.project or "all")[:12]
        lines.append(
            f"{link.hint + '…':<9} {link.client[:24]:<24} {scope:<12} {expiry(link, today):<8} {until:<10} "
            f"{link.opens:>5}  {_when(link.last_opened_at)}"
        )
    return "\n".join(lines)
