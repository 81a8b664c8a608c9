"""The firm's required-field policy, and which time is billable by default."""

from __future__ import annotations

from storage.models import BillingType
from storage.rows import ProjectRow, TaskRow

FIELDS = ("description", "work_type", "task")
LABELS = {"description": "a description", "work_type": "a work type", "task": "a task"}


def required_fields(workspace_fields: list[str], project: ProjectRow) -> list[str]:
    """The project's own list when it has one, else the workspace's."""
    fields = project.required_fields if project.required_fields is not None else workspace_fields
    return [f for f in FIELDS if f in (fields or [])]


def missing_fields(
    workspace_fields: list[str],
    project: ProjectRow,
    *,
    description: str,
    work_type_id: int | None,
    task_id: int | None,
) -> list[str]:
    present = {
        "description": bool(description.strip()),
        "work_type": work_type_id is not None,
        "task": task_id is not None,
    }
    return [f for f in required_fields(workspace_fields, project) if not present[f]]


def describe(fields: list[str]) -> str:
    labels = [LABELS[f] for f in fields]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def default_billable(project: ProjectRow, task: TaskRow | None) -> bool:
    """Non-billable projects never bill; otherwise the task's flag, else billable."""
    if project.billing_type == BillingType.NON_BILLABLE:
        return False
    if task is not None and task.billable is not None:
        return task.billable
    return True
