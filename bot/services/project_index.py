"""The visible projects, held in memory per process for the type-ahead.

Finding 100 matches among thousands of names in a Python list takes well under a
millisecond; the same search in SQL (``lower(name) LIKE '%q%'`` over every row, then a sort)
took 2-3 ms on SQLite. Every transaction that uses it reads the workspace's
``catalog_version`` (bumped by the import whenever clients, projects or tasks change; it
comes with the person's row, see ``storage.people.person``), so a change made by any process is seen
by the next request of every process.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_right
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from storage import catalog, people
from storage.catalog import ProjectRow, TaskRow


@dataclass(frozen=True)
class ProjectIndex:
    version: int
    projects: tuple[ProjectRow, ...]  # ordered by code
    by_id: dict[int, ProjectRow]
    # One line per project, "code\tname\n" lower-cased, in the same order; str.find scans it
    # at C speed, where a Python loop over thousands of projects took milliseconds.
    blob: str
    starts: tuple[int, ...]  # where each line starts in the blob
    tabs: tuple[int, ...]  # where each line's tab is
    exact: dict[str, tuple[ProjectRow, ...]]  # lower-cased code or name -> projects, by code
    # (project id, lower-cased name) -> the project's open task; tasks change only through
    # the import, which bumps the catalog version like projects.
    tasks: dict[tuple[int, str], TaskRow] = field(default_factory=dict)
    tasks_by_id: dict[int, TaskRow] = field(default_factory=dict)  # open tasks of these projects

    @classmethod
    def build(
        cls,
        version: int,
        projects: tuple[ProjectRow, ...],
        tasks: dict[tuple[int, str], TaskRow] | None = None,
    ) -> ProjectIndex:
        lines = [f"{_clean(p.code)}\t{_clean(p.name)}\n" for p in projects]
        starts, tabs, offset = [], [], 0
        for project, line in zip(projects, lines, strict=True):
            starts.append(offset)
            tabs.append(offset + len(_clean(project.code)))
            offset += len(line)
        exact: dict[str, list[ProjectRow]] = {}
        for project in projects:
            for key in dict.fromkeys((_clean(project.code), _clean(project.name))):
                exact.setdefault(key, []).append(project)
        return cls(
            version, projects, {p.id: p for p in projects}, "".join(lines), tuple(starts), tuple(tabs),
            {k: tuple(v) for k, v in exact.items()}, tasks or {}, {t.id: t for t in (tasks or {}).values()},
        )  # fmt: skip

    def task_named(self, project_id: int, name: str) -> TaskRow | None:
        """The project's open task of that name, case-insensitive."""
        return self.tasks.get((project_id, name.lower()))

    def matching(self, query: str, *, limit: int) -> tuple[list[ProjectRow], list[ProjectRow]]:
        """What ``/track start <query>`` may mean: projects whose code or name is the query
        (first list), else those whose code or name starts with it (second), by code, at most
        ``limit`` in all; case-insensitive."""
        q = _clean(query.strip())
        exact = list(self.exact.get(q, ()))[:limit]
        if exact or not q:
            return exact, []
        found: list[ProjectRow] = []
        pos = self.blob.find(q)
        while pos != -1 and len(found) < limit:
            line = bisect_right(self.starts, pos) - 1
            if pos in (self.starts[line], self.tabs[line] + 1):  # the start of its code or name
                found.append(self.projects[line])
                pos = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.blob)
            else:
                pos += 1
            pos = self.blob.find(q, pos)
        return [], found

    def search(self, query: str, *, limit: int) -> list[ProjectRow]:
        """Codes that start with the text or names that contain it, by code, at most ``limit``."""
        q = _clean(query.strip())
        if not q:
            return list(self.projects[:limit])
        found: list[ProjectRow] = []
        last = -1
        pos = self.blob.find(q)
        while pos != -1 and len(found) < limit:
            line = bisect_right(self.starts, pos) - 1
            if line != last and (pos == self.starts[line] or pos > self.tabs[line]):
                found.append(self.projects[line])
                last = line
                pos = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.blob)
            else:
                pos += 1
            pos = self.blob.find(q, pos)
        return found


def _clean(text: str) -> str:
    return text.lower().replace("\t", " ").replace("\n", " ")


_lock = threading.Lock()
# Per engine (rendering its URL as a key cost more than the lookup it keys).
_cache: weakref.WeakKeyDictionary[Engine, ProjectIndex] = weakref.WeakKeyDictionary()


def current(conn: Connection) -> ProjectIndex:
    """The index for this database, reloaded when the catalog version moved."""
    version = people.workspace(conn).catalog_version  # read with the person, as a rule
    key = conn.engine
    index = _cache.get(key)
    if index is not None and index.version == version:
        return index
    projects = tuple(catalog.visible_projects(conn))
    visible = {p.id for p in projects}
    tasks: dict[tuple[int, str], TaskRow] = {}
    for task in catalog.open_tasks(conn):
        if task.project_id in visible:
            tasks.setdefault((task.project_id, task.name.lower()), task)
    index = ProjectIndex.build(version, projects, tasks)
    with _lock:
        _cache[key] = index
    return index


def forget(engine: Engine) -> None:
    """Drop the index kept for this database (its tables were emptied: a fresh import may
    start again at a version already seen)."""
    with _lock:
        _cache.pop(engine, None)
