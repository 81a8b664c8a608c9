"""An entry's history, or a period's records, as text and as CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from storage.audit import AuditRow

CSV_HEADER = ["id", "entry_id", "actor", "at", "action", "before", "after", "comment"]


def render(records: list[AuditRow]) -> str:
    if not records:
        return "No changes recorded."
    lines = []
    for r in records:
        change = ""
        if r.before and r.after:
            diffs = [
                f"{k}: {r.before.get(k)!r} → {r.after.get(k)!r}"
                for k in r.after
                if r.before.get(k) != r.after.get(k)
            ]
            change = "; ".join(d for d in diffs if not d.startswith("status"))  # status shows in the action
        line = f"{r.at:%Y-%m-%d %H:%M} UTC  {r.action:<8} by {r.actor}"
        if change:
            line += f"  ({change})"
        if r.comment:
            line += f"  “{r.comment}”"
        lines.append(line)
    return "\n".join(lines)


def write_csv(out: TextIO, records: Iterable[AuditRow]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in records:
        before = json.dumps(r.before) if r.before else ""
        after = json.dumps(r.after) if r.after else ""
        writer.writerow(
            [r.id, r.entry_id or "", r.actor, r.at.isoformat(), r.action, before, after, r.comment]
        )
