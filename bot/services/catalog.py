"""Finding projects, tasks and work types by what people type."""

from __future__ import annotations

from sqlalchemy import Connection

from bot.errors import UserError
from bot.services import project_index
from storage import rows
from storage.rows import ProjectRow, TaskRow, WorkTypeRow

MAX_CANDIDATES = 10
WORK_TYPE_PREFIX = "type:"


def find_project(conn: Connection, query: str) -> ProjectRow:
    """By code or name, case-insensitive; an exact match wins, else a unique prefix."""
    exact, prefixed = project_index.current(conn).matching(query, limit=MAX_CANDIDATES + 1)
    if len(exact) == 1:
        return exact[0]
    candidates = exact or prefixed
    if not candidates:
        raise UserError(
            f"No active project matches `{query}`. Use a project's code or name "
            "(a unique beginning is enough; quote names with spaces)."
        )
    if len(candidates) == 1:
        return candidates[0]
    listing = "\n".join(f"• `{p.code}` {p.name}" for p in candidates[:MAX_CANDIDATES])
    more = "\n…and more; type more of the name." if len(candidates) > MAX_CANDIDATES else ""
    raise UserError(f"`{query}` matches more than one project:\n{listing}{more}")


def take_task(conn: Connection, project: ProjectRow, rest: list[str]) -> tuple[TaskRow | None, list[str]]:
    """The first word is a task if it names one of the project's tasks; else it is description."""
    if rest:
        task = project_index.current(conn).task_named(project.id, rest[0])
        if task is not None:
            return task, rest[1:]
    return None, rest


def take_work_type(conn: Connection, rest: list[str]) -> tuple[WorkTypeRow | None, list[str]]:
    """A ``type:Name`` word anywhere in the text sets the work type."""
    for index, word in enumerate(rest):
        if word.lower().startswith(WORK_TYPE_PREFIX):
            name = word[len(WORK_TYPE_PREFIX) :]
            work_type = rows.work_type_named(conn, name)
            if work_type is None:
                known = ", ".join(f"`{n}`" for n in rows.work_type_names(conn))
                raise UserError(f"`{name}` is not a work type of this workspace. Known: {known or 'none'}.")
            return work_type, rest[:index] + rest[index + 1 :]
    return None, rest
