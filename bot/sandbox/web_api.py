"""The Web API methods Punchcard calls, on the stand-in's :class:`Workspace`, answered as
Slack answers them (``ok: false`` with Slack's error names for what Slack refuses)."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.sandbox.slack import (
    APP_ID,
    BOT_ID,
    BOT_USER,
    TEAM_ID,
    TRIGGER_LIFE,
    File,
    SlackError,
    Workspace,
    plain,
)


def call(ws: Workspace, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """Slack's answer to ``method`` (raises SlackError for an ``ok: false`` one)."""
    handler = METHODS.get(method)
    if handler is None:
        raise SlackError("unknown_method")
    with ws.lock:
        return {"ok": True, **handler(ws, params)}


def _auth_test(ws: Workspace, _p: dict[str, Any]) -> dict[str, Any]:
    return {"url": ws.base_url + "/", "team": ws.name, "user": "punchcard", "team_id": TEAM_ID,
            "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}  # fmt: skip


def _users_info(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    person = ws.people.get(str(p.get("user", "")))
    if person is None:
        raise SlackError("user_not_found")
    first = person.name.split()[0]
    profile = {"real_name": person.name, "display_name": first, "email": f"{first.lower()}@example.com"}
    return {"user": {"id": person.id, "team_id": TEAM_ID, "name": first.lower(), "real_name": person.name,
                     "tz": person.tz, "tz_offset": 0, "is_bot": False, "deleted": False,
                     "profile": profile}}  # fmt: skip


def _conversations_open(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    users = [u for u in str(p.get("users", "")).split(",") if u]
    if len(users) != 1:
        raise SlackError("not_implemented")
    return {"channel": {"id": ws.dm(users[0])}}


def _message_fields(p: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"text": str(p.get("text") or "")}
    if isinstance(p.get("blocks"), list):
        out["blocks"] = p["blocks"]
    if isinstance(p.get("metadata"), dict):
        out["metadata"] = p["metadata"]
    return out


def _post_message(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    fields = _message_fields(p)
    if not fields["text"] and "blocks" not in fields:
        raise SlackError("no_text")
    message = ws.post(str(p.get("channel") or ""), fields)
    return {"channel": message["channel"], "ts": message["ts"], "message": plain(message)}


def _post_ephemeral(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    user = str(p.get("user") or "")
    if user not in ws.people:
        raise SlackError("user_not_in_channel")
    message = ws.post(str(p.get("channel") or ""), {**_message_fields(p), "ephemeral_for": user})
    return {"message_ts": message["ts"]}


def _update(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel, ts = ws.channel(str(p.get("channel") or "")), str(p.get("ts") or "")
    message = ws.find(channel, ts)
    if message is None:
        raise SlackError("message_not_found")
    fields = _message_fields(p)
    message["text"] = fields["text"]
    if "blocks" in fields:
        message["blocks"] = fields["blocks"]
    message["edited"] = True
    ws.changed()
    return {"channel": channel, "ts": ts, "text": message["text"]}


def _delete(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel, ts = ws.channel(str(p.get("channel") or "")), str(p.get("ts") or "")
    if ws.find(channel, ts) is None:
        raise SlackError("message_not_found")
    ws.remove(channel, ts)
    return {"channel": channel, "ts": ts}


def _history(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channel(str(p.get("channel") or ""))
    oldest = float(p.get("oldest") or 0)
    metadata = str(p.get("include_all_metadata", "")).lower() in ("1", "true")
    found = [
        {k: v for k, v in m.items() if k != "ephemeral_for" and (k != "metadata" or metadata)}
        for m in reversed(ws.messages.get(channel, []))
        if float(m["ts"]) > oldest and m.get("ephemeral_for") is None
    ]
    limit = int(p.get("limit") or 100)
    return {"messages": found[:limit], "has_more": len(found) > limit}


def _permalink(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(p.get("channel") or ""), str(p.get("message_ts") or "")
    return {"channel": channel, "permalink": f"{ws.base_url}/#{channel}/{ts}"}


def _view(ws: Workspace, p: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
    view = p.get("view")
    if isinstance(view, str):
        view = json.loads(view)
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        raise SlackError("invalid_arguments")
    return {**view, "id": view_id or ws.next_id("V"), "hash": ws.next_id("h"), "team_id": TEAM_ID,
            "app_id": APP_ID, "bot_id": BOT_ID, "state": {"values": {}}, "errors": {}}  # fmt: skip


def _trigger_user(ws: Workspace, p: dict[str, Any]) -> str:
    found = ws.triggers.get(str(p.get("trigger_id") or ""))
    if found is None:
        raise SlackError("invalid_trigger_id")
    if time.monotonic() - found[1] > TRIGGER_LIFE:
        raise SlackError("expired_trigger_id")
    return found[0]


def _views_open(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    user = _trigger_user(ws, p)
    view = _view(ws, p)
    ws.modals[user] = [view]
    ws.changed()
    return {"view": view}


def _views_push(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    user = _trigger_user(ws, p)
    stack = ws.modals.setdefault(user, [])
    if len(stack) >= 3:
        raise SlackError("push_limit_reached")
    view = _view(ws, p)
    stack.append(view)
    ws.changed()
    return {"view": view}


def _views_update(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    view_id = str(p.get("view_id") or "")
    external = p.get("external_id")
    for stack in ws.modals.values():
        for i, old in enumerate(stack):
            if old["id"] == view_id or (external and old.get("external_id") == external):
                if p.get("hash") and p["hash"] != old["hash"]:
                    raise SlackError("hash_conflict")
                stack[i] = _view(ws, p, old["id"])
                ws.changed()
                return {"view": stack[i]}
    for user, home in ws.homes.items():
        if home["id"] == view_id:
            ws.homes[user] = _view(ws, p, view_id)
            ws.changed()
            return {"view": ws.homes[user]}
    raise SlackError("not_found")


def _views_publish(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    user = str(p.get("user_id") or "")
    if user not in ws.people:
        raise SlackError("user_not_found")
    old = ws.homes.get(user)
    ws.homes[user] = _view(ws, p, old["id"] if old else None)
    ws.changed()
    return {"view": ws.homes[user]}


def _upload_url(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    name = str(p.get("filename") or "")
    if not name or not str(p.get("length") or "").isdigit():
        raise SlackError("invalid_arguments")
    file_id = ws.next_id("F")
    ws.files[file_id] = File(file_id, name, name)
    return {"upload_url": f"{ws.base_url}/upload/{file_id}", "file_id": file_id}


MIMETYPES = {"pdf": "application/pdf", "png": "image/png", "csv": "text/csv", "txt": "text/plain",
             "xml": "application/xml",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip


def file_json(ws: Workspace, f: File) -> dict[str, Any]:
    return {"id": f.id, "name": f.name, "title": f.title, "mimetype": f.mimetype, "size": len(f.content),
            "url": f"{ws.base_url}/files/{f.id}/{f.name}"}  # fmt: skip


def _complete_upload(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    files = p.get("files")
    if isinstance(files, str):
        files = json.loads(files)
    done = []
    for item in files if isinstance(files, list) else []:
        found = ws.files.get(str(item.get("id", "")))
        if found is None:
            raise SlackError("file_not_found")
        found.title = str(item.get("title") or found.name)
        found.mimetype = MIMETYPES.get(found.name.rsplit(".", 1)[-1].lower(), found.mimetype)
        done.append(file_json(ws, found))
    if not done:
        raise SlackError("invalid_arguments")
    channel = str(p.get("channel_id") or p.get("channels") or "")
    if channel:  # shared: a message holding the files, as Slack posts it
        ws.post(channel, {"text": str(p.get("initial_comment") or ""), "files": done, "upload": True})
    return {"files": done}


def receive_upload(ws: Workspace, file_id: str, content: bytes) -> bool:
    """The raw POST to an upload URL (files_upload_v2's second step)."""
    with ws.lock:
        found = ws.files.get(file_id)
        if found is None:
            return False
        found.content = content
        return True


METHODS = {
    "auth.test": _auth_test, "users.info": _users_info, "conversations.open": _conversations_open,
    "chat.postMessage": _post_message, "chat.postEphemeral": _post_ephemeral, "chat.update": _update,
    "chat.delete": _delete, "conversations.history": _history, "chat.getPermalink": _permalink,
    "views.open": _views_open, "views.push": _views_push, "views.update": _views_update,
    "views.publish": _views_publish, "files.getUploadURLExternal": _upload_url,
    "files.completeUploadExternal": _complete_upload,
}  # fmt: skip
