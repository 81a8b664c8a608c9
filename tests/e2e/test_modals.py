"""The entry and start modals, edit and delete, the shortcut: driven as Slack drives them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from storage.models import EntryStatus, RunningTimer, TimeEntry
from tests.conftest import RunningApp, interact, session_scope, write_scope

USER = {"id": "U0MEMBER", "username": "max", "team_id": "T0FAKE"}


def opened_view(app: RunningApp, count: int = 1) -> dict[str, Any]:
    """The view the bot last opened (views.open), as Slack would hold it."""
    call = app.fake.wait_for("views.open", count=count)[-1]
    return {**call.params["view"], "id": f"V{count}", "hash": f"h{count}"}


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


def state(**values: dict[str, Any]) -> dict[str, Any]:
    """``state.values`` as Slack sends it: block_id -> action_id -> value."""
    actions = {
        "project": "project_select", "task": "task_select", "date": "date_pick", "duration": "duration_text",
        "start_time": "start_time_pick", "end_time": "end_time_pick", "description": "description_text",
        "work_type": "work_type_select", "billable": "billable_check",
    }  # fmt: skip
    return {"values": {block: {actions[block]: value} for block, value in values.items()}}


def selected(value: int | str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": {"value": str(value), "text": {"type": "plain_text", "text": "x"}},
    }


def submit(
    app: RunningApp, view: dict[str, Any], values: dict[str, Any], user: dict[str, Any] = USER
) -> dict[str, Any]:
    status, answer = interact(
        app, {"type": "view_submission", "user": user, "view": {**view, "state": values}}
    )
    assert status == 200
    return answer


def entries(app: RunningApp) -> list[TimeEntry]:
    with session_scope(app.sessions) as s:
        return list(s.scalars(select(TimeEntry).order_by(TimeEntry.id)))


def acme_id(app: RunningApp) -> int:
    from tests import orm as queries

    with session_scope(app.sessions) as s:
        return queries.project_by_code(s, "ACME-WEB").id


def test_log_time_through_the_modal_with_field_errors_then_success(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    status, answer = app.track("new")
    assert status == 200 and answer == {}
    view = opened_view(app)
    assert view["callback_id"] == "entry_modal"
    assert block_ids(view)[:2] == ["project", "date"]  # no task list until a project is chosen

    # Type-ahead: block_suggestion answers with matching projects.
    status, options = interact(app, {
        "type": "block_suggestion", "user": USER, "action_id": "project_select", "block_id": "project",
        "value": "acm", "view": view,
    })  # fmt: skip
    assert status == 200
    assert [o["text"]["text"] for o in options["options"]] == ["ACME-WEB · Website Redesign"]
    project_value = options["options"][0]["value"]

    # Choosing the project updates the modal with the project's tasks.
    status, _ = interact(app, {
        "type": "block_actions", "user": USER, "trigger_id": "t.2",
        "view": {**view, "state": state(project=selected(project_value), date={"selected_date": "2026-11-16"})},
        "actions": [{"action_id": "project_select", "block_id": "project", "type": "external_select",
                     "selected_option": {"value": project_value}}],
    })  # fmt: skip
    assert status == 200
    updated = app.fake.wait_for("views.update")[-1].params
    assert updated["view_id"] == view["id"]
    task_block = next(b for b in updated["view"]["blocks"] if b.get("block_id") == "task")
    tasks = {o["text"]["text"]: o["value"] for o in task_block["element"]["options"]}
    assert sorted(tasks) == ["Build", "Design"]
    view = {**updated["view"], "id": view["id"], "hash": "h2"}

    # Missing description (the firm's policy) and a bad duration: errors on those fields.
    answer = submit(app, view, state(
        project=selected(project_value), task=selected(tasks["Design"]), date={"selected_date": "2026-11-16"},
        duration={"value": "lots"}, description={"value": ""},
    ))  # fmt: skip
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"description", "duration"}
    assert entries(app) == []

    # A future date is refused on the date field.
    answer = submit(app, view, state(
        project=selected(project_value), date={"selected_date": "2030-01-01"}, duration={"value": "1h"},
        description={"value": "wireframes"},
    ))  # fmt: skip
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"date"}

    answer = submit(app, view, state(
        project=selected(project_value), task=selected(tasks["Design"]), date={"selected_date": "2026-11-16"},
        duration={"value": "1h30m"}, description={"value": "homepage wireframes"},
        billable={"selected_options": [{"value": "billable"}]},
    ))  # fmt: skip
    assert answer["response_action"] == "update"
    assert "Logged 1:30" in str(answer["view"])
    [entry] = entries(app)
    assert (entry.duration_seconds, entry.description, str(entry.date), entry.billable) == (
        5400,
        "homepage wireframes",
        "2026-11-16",
        True,
    )
    app.fake.wait_for("views.publish")  # the Home tab follows every change


def test_start_and_end_times_give_the_true_duration(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.track("new")
    view = opened_view(app)
    answer = submit(app, view, state(
        project=selected(acme_id(app)), date={"selected_date": "2026-11-16"},
        start_time={"selected_time": "22:30"}, end_time={"selected_time": "01:15"},
        description={"value": "release night"},
    ))  # fmt: skip
    assert answer["response_action"] == "update"
    [entry] = entries(app)
    assert entry.duration_seconds == 2 * 3600 + 45 * 60  # past midnight, in Berlin time
    assert entry.started_at is not None and entry.started_at.hour == 21  # 22:30 CET is 21:30 UTC


def test_start_modal_starts_the_timer(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.track("start")
    view = opened_view(app)
    assert view["callback_id"] == "start_modal"
    answer = submit(app, view, state(project=selected(acme_id(app)), description={"value": "kickoff"}))
    assert answer["response_action"] == "update" and "Timer running" in str(answer["view"])
    with session_scope(app.sessions) as s:
        timer = s.scalars(select(RunningTimer)).one()
        assert timer.description == "kickoff" and timer.origin == "modal"


def _menu(app: RunningApp, entry_id: int, kind: str, user: dict[str, Any] = USER) -> None:
    status, _ = interact(app, {
        "type": "block_actions", "user": user, "trigger_id": f"t.{kind}", "container": {"type": "view"},
        "view": {"id": "VHOME", "type": "home"},
        "actions": [{"action_id": f"entry_menu:{entry_id}", "block_id": "x", "type": "overflow",
                     "selected_option": {"value": f"{kind}:{entry_id}"}}],
    })  # fmt: skip
    assert status == 200


def test_edit_from_the_overflow_menu_prefills_and_saves(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.say("log 1h30m acme Design first draft")
    [entry] = entries(app)
    _menu(app, entry.id, "edit")
    view = opened_view(app)
    duration = next(b for b in view["blocks"] if b.get("block_id") == "duration")
    assert duration["element"]["initial_value"] == "1h30m"
    description = next(b for b in view["blocks"] if b.get("block_id") == "description")
    assert description["element"]["initial_value"] == "first draft"
    answer = submit(app, view, state(
        project=selected(acme_id(app)), date={"selected_date": str(entry.date)}, duration={"value": "1h30m"},
        description={"value": "second draft"}, billable={"selected_options": [{"value": "billable"}]},
    ))  # fmt: skip
    assert answer["response_action"] == "update", answer
    [after] = entries(app)
    assert (after.id, after.description, after.duration_seconds) == (entry.id, "second draft", 5400)


def test_delete_from_the_overflow_asks_then_deletes(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.say("log 1h acme mistaken entry")
    [entry] = entries(app)
    _menu(app, entry.id, "delete")
    view = opened_view(app)
    assert view["callback_id"] == "delete_confirm_modal" and "mistaken entry" in str(view["blocks"])
    answer = submit(app, view, {"values": {}})
    assert answer["response_action"] == "update" and "Deleted 1:00" in str(answer["view"])
    assert entries(app) == []


def test_edit_last_and_delete_last_commands(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.say("log 1h acme one")
    app.say("log 2h acme two")
    assert app.track("edit last") == (200, {})
    assert "two" in str(opened_view(app)["blocks"])
    assert app.track("delete last") == (200, {})
    assert "two" in str(opened_view(app, count=2)["blocks"])


def test_locked_entries_cannot_be_edited_or_deleted_by_any_path(firm: None, running_app: RunningApp) -> None:
    app = running_app
    app.say("log 1h acme submitted work")
    [entry] = entries(app)
    app.track("edit last")
    view = opened_view(app)  # opened while still a draft
    with session_scope(app.sessions) as s:
        s.execute(update(TimeEntry).values(status=EntryStatus.SUBMITTED))
    _, answer = app.track("delete last")
    assert "can't be changed" in answer["text"] and "Ada Partner" in answer["text"]
    _menu(app, entry.id, "delete")
    assert "can't be changed" in str(opened_view(app, count=2)["blocks"])
    answer = submit(app, view, state(
        project=selected(acme_id(app)), date={"selected_date": str(entry.date)}, duration={"value": "5h"},
        description={"value": "sneaky"},
    ))  # fmt: skip
    assert "can't be changed" in str(answer["view"])
    [after] = entries(app)
    assert (after.duration_seconds, after.description) == (3600, "submitted work")


def test_tampered_metadata_foreign_entries_and_stale_views_change_nothing(
    firm: None, running_app: RunningApp
) -> None:
    app = running_app
    app.say("log 1h acme mine", user_id="U0PARTNER")
    [theirs] = entries(app)
    app.say("log 1h acme my own")
    mine = entries(app)[-1]
    _menu(app, mine.id, "edit")
    view = opened_view(app)
    values = state(
        project=selected(acme_id(app)),
        date={"selected_date": str(mine.date)},
        duration={"value": "3h"},
        description={"value": "changed"},
    )
    # Tampered: point the form at the partner's entry.
    forged = {
        **view,
        "private_metadata": view["private_metadata"].replace(f'"e":{mine.id}', f'"e":{theirs.id}'),
    }
    assert "changed outside Slack" in str(submit(app, forged, values)["view"])
    # Someone else submitting my form.
    other = {"id": "U0PARTNER", "username": "ada", "team_id": "T0FAKE"}
    assert "opened by someone else" in str(submit(app, view, values, user=other)["view"])
    # The partner's entry through the menu.
    _menu(app, theirs.id, "edit")
    assert "not one of yours" in str(opened_view(app, count=2)["blocks"])
    # Stale: the entry changed after the form opened.
    app.clock.advance(minutes=1)
    app.say("edit last")  # opens another form; the change below is what makes the first stale
    with session_scope(app.sessions) as s:
        row = s.get(TimeEntry, mine.id)
        assert row is not None
        row.description = "changed elsewhere"
        row.updated_at = app.clock()
    assert "changed after you opened it" in str(submit(app, view, values)["view"])
    assert [(e.description, e.duration_seconds) for e in entries(app)] == [
        ("mine", 3600),
        ("changed elsewhere", 3600),
    ]


def test_message_shortcut_opens_the_modal_with_the_message(firm: None, running_app: RunningApp) -> None:
    app = running_app
    status, _ = interact(app, {
        "type": "message_action", "callback_id": "track_message", "trigger_id": "t.s", "user": USER,
        "channel": {"id": "C0CLIENT", "name": "acme"}, "message": {"ts": "1700000000.000100", "text": "Call with Acme about scope"},
        "response_url": app.fake.response_url(),
    })  # fmt: skip
    assert status == 200
    view = opened_view(app)
    description = next(b for b in view["blocks"] if b.get("block_id") == "description")
    text = description["element"]["initial_value"]
    assert "Call with Acme about scope" in text and "archives/C0CLIENT/p1700000000000100" in text


def test_option_requests_only_offer_visible_projects(firm: None, running_app: RunningApp) -> None:
    from bot.services.importer import import_yaml

    app = running_app
    with write_scope(app.sessions) as conn:
        import_yaml(conn, "clients: [{name: Old Client, active: false, projects: [{name: Archive, code: ACME-OLD}]}]",
                    now=app.clock())  # fmt: skip
    status, options = interact(app, {
        "type": "block_suggestion", "user": USER, "action_id": "project_select", "block_id": "project",
        "value": "acme", "view": {"id": "V1", "callback_id": "entry_modal"},
    })  # fmt: skip
    assert [o["value"] for o in options["options"]] == [str(acme_id(app))]


def test_projects_with_over_100_tasks_get_task_type_ahead(firm: None, running_app: RunningApp) -> None:
    from bot.services.importer import import_yaml

    app = running_app
    tasks = ", ".join(f"{{name: Phase {i}}}" for i in range(1, 131))
    with write_scope(app.sessions) as conn:
        import_yaml(
            conn,
            f"clients: [{{name: Big, projects: [{{name: Big Matter, code: BIG, tasks: [{tasks}]}}]}}]",
            now=app.clock(),
        )
    with session_scope(app.sessions) as s:
        from tests import orm as queries

        big = queries.project_by_code(s, "BIG").id
    app.track("new")
    view = opened_view(app)
    interact(app, {
        "type": "block_actions", "user": USER, "trigger_id": "t.2", "view": {**view, "state": state(project=selected(big))},
        "actions": [{"action_id": "project_select", "block_id": "project", "type": "external_select", "selected_option": {"value": str(big)}}],
    })  # fmt: skip
    updated = app.fake.wait_for("views.update")[-1].params["view"]
    task_block = next(b for b in updated["blocks"] if b.get("block_id") == "task")
    assert task_block["element"]["type"] == "external_select"
    status, options = interact(app, {
        "type": "block_suggestion", "user": USER, "action_id": "task_select", "block_id": "task", "value": "phase 12",
        "view": {**updated, "id": view["id"], "state": state(project=selected(big))},
    })  # fmt: skip
    assert sorted(o["text"]["text"] for o in options["options"]) == [
        "Phase 12",
        "Phase 120",
        "Phase 121",
        "Phase 122",
        "Phase 123",
        "Phase 124",
        "Phase 125",
        "Phase 126",
        "Phase 127",
        "Phase 128",
        "Phase 129",
    ]
