"""What the pickers offer: projects by type-ahead (the person's recent ones first), tasks."""

from __future__ import annotations

from sqlalchemy import Connection

from bot.services import project_index
from storage import catalog, home
from storage.catalog import ProjectRow, TaskRow

RECENT_PROJECTS = 5


def project_choices(conn: Connection, slack_id: str, query: str, *, limit: int = 100) -> list[ProjectRow]:
    """Up to ``limit`` visible projects for the type-ahead: the person's recent ones first.

    Runs on every keystroke: the projects come from the in-process index."""
    index = project_index.current(conn)
    recent: list[ProjectRow] = []
    for project_id in home.recent_project_ids(conn, slack_id):
        project = index.by_id.get(project_id)
        if project is not None and project not in recent and _matches(project, query):
            recent.append(project)
            if len(recent) == RECENT_PROJECTS:
                break
    found = index.search(query, limit=limit + len(recent))
    return (recent + [p for p in found if p not in recent])[:limit]


def _matches(project: ProjectRow, query: str) -> bool:
    q = query.strip().lower()
    return project.code.lower().startswith(q) or q in project.name.lower()


def task_choices(conn: Connection, project_id: int, query: str, *, limit: int) -> list[TaskRow]:
    """Open tasks of an open project whose name contains the text."""
    if catalog.visible_project(conn, project_id) is None:
        return []
    q = query.strip().lower()
    return [t for t in catalog.tasks_of(conn, project_id) if q in t.name.lower()][:limit]
