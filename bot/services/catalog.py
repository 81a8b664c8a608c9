"""Finding projects, tasks and work types by what people type in ``/track``."""

from __future__ import annotations

from sqlalchemy import Connection

from bot.services import project_index
from bot.services.entries.rules import Invalid, Rule, Violation
from storage import catalog
from storage.catalog import ProjectRow, TaskRow, WorkTypeRow

MAX_CANDIDATES = 10
WORK_TYPE_PREFIX = "type:"


def find_project(conn: Connection, query: str) -> ProjectRow:
    """By code or name, case-insensitive; an exact match wins, else a unique prefix."""
    exact, prefixed = project_index.current(conn).matching(query, limit=MAX_CANDIDATES + 1)
    if len(exact) == 1:
        return exact[0]
    candidates = exact or prefixed
    if not candidates:
        raise Invalid([Violation("project", Rule.NO_MATCH, {"query": query})])
    if len(candidates) == 1:
        return candidates[0]
    facts = {
        "query": query,
        "candidates": candidates[:MAX_CANDIDATES],
        "more": len(candidates) > MAX_CANDIDATES,
    }
    raise Invalid([Violation("project", Rule.AMBIGUOUS, facts)])


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
            work_type = catalog.work_type_named(conn, name)
            if work_type is None:
                known = [w.name for w in catalog.work_types(conn)]
                raise Invalid(
                    [Violation("work_type", Rule.UNKNOWN_WORK_TYPE, {"name": name, "known": known})]
                )
            return work_type, rest[:index] + rest[index + 1 :]
    return None, rest
