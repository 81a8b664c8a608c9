"""The ``punchcard try`` page (bot/sandbox/static) in headless Chromium.

- Its Block Kit renderer (blockkit.js) draws every Block Kit payload the rest of the suite made
  Punchcard send (``tests.fakeslack.BLOCK_KIT_SEEN``: whatever reached a FakeSlack, and the
  Block Kit in the app's JSON answers): not one becomes a "Cannot show" placeholder. That test
  runs last in the session (``@pytest.mark.last``, tests/conftest.py); run alone, it draws
  payloads made by calling the view builders.
- The renderer does show a placeholder for what it does not know, and escapes mrkdwn.
- The page itself, against a stub of the stand-in's JSON API: channels, messages (an ephemeral
  one, files), the App Home, a modal with an error under its field, and what it POSTs back.
"""

from __future__ import annotations

import contextlib
import json
import struct
import threading
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests import fakeslack
from tests.browser import DESKTOP, browser, screenshot

__all__ = ["browser"]

STATIC = Path(__file__).resolve().parents[2] / "bot" / "sandbox" / "static"
PEOPLE = [
    {"id": "U0MEMBER", "name": "Max Member", "role": "member"},
    {"id": "U0PARTNER", "name": "Ada Partner", "role": "partner"},
    {"id": "U0ADMIN", "name": "Olga Admin", "role": "admin"},
]
CHANNELS = [
    {"id": "C0GENERAL", "name": "general", "kind": "channel"},
    {"id": "C0BILLING", "name": "billing-acme", "kind": "channel"},
    {"id": "DU0MEMBER", "name": "Punchcard", "kind": "dm"},
]
# Block and element types Punchcard's views use: the payloads drawn must hold them all.
USED_BLOCKS = {"header", "section", "context", "divider", "actions", "input"}
USED_ELEMENTS = {
    "button", "static_select", "external_select", "overflow", "datepicker", "timepicker", "checkboxes",
    "plain_text_input",
}  # fmt: skip
# The whole suite ran when this many tests drove the app: then it sent far more than this.
SUITE_TESTS, SUITE_PAYLOADS = 150, 50


def load_renderer(driver: Any) -> None:
    driver.get("about:blank")
    driver.execute_script((STATIC / "blockkit.js").read_text())
    assert driver.execute_script("return typeof window.BlockKit.renderBlocks") == "function"


# Draws each payload (a list of blocks) and returns, for each, what could not be drawn (the
# placeholders, and a count mismatch or an exception).
DRAW = """
const out = [];
const ctx = {people: arguments[1], channels: arguments[2]};
for (const blocks of arguments[0]) {
  try {
    const root = BlockKit.renderBlocks(blocks, ctx);
    document.body.append(root);
    const wrong = [...root.querySelectorAll('[data-placeholder]')].map((e) => e.dataset.placeholder);
    if (root.children.length !== blocks.length) wrong.push(`drew ${root.children.length} of ${blocks.length}`);
    root.remove();
    out.push(wrong);
  } catch (err) {
    out.push(['exception: ' + err]);
  }
}
return out;
"""


def draw(driver: Any, payloads: list[list[dict[str, Any]]]) -> list[list[str]]:
    found: list[list[str]] = []
    for start in range(0, len(payloads), 100):
        found += driver.execute_script(DRAW, payloads[start : start + 100], PEOPLE, CHANNELS)
    return found


def types_in(blocks: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """The block types and the element types (in actions, accessories, inputs) of ``blocks``."""
    block_types = {str(b.get("type")) for b in blocks}
    elements = [
        e
        for b in blocks
        for e in [*b.get("elements", []), b.get("accessory"), b.get("element")]
        if isinstance(e, dict) and b.get("type") in ("actions", "section", "input")
    ]
    return block_types, {str(e.get("type")) for e in elements}


def built_corpus() -> list[dict[str, Any]]:
    """Messages and views made by calling Punchcard's view builders (when no other test ran)."""
    from bot.services import reports
    from bot.services.entries import Invalid, Rule, Saved, Violation
    from bot.services.forgotten import Nudge as ForgottenNudge
    from bot.services.missing_hours import DayState, Nudge
    from bot.services.timers import Running, Started
    from bot.services.track import HelpResult, Logged, StatusResult, Stopped
    from bot.views import approval, clients, forgotten, invoices, missing_hours, timers, track
    from bot.views import entry_modal as modals
    from bot.views.home_tab import home_view
    from bot.views.submission_entries import entries_modal
    from storage.catalog import TaskRow, WorkTypeRow
    from tests.unit import test_views_limits as v
    from tests.unit.test_invoice_views import clients_page, summary

    person, project, task = v.person(), v.project(), TaskRow(1, "Design", None)
    saved = Saved(entry=v.entry(1), project=project, task=task)
    running = Running(v.timer("wireframes", True), project, task, 60)
    day = date(2026, 11, 17)
    messages = [
        track.render(person, result)
        for result in (
            Started(timer=v.timer("wireframes", True), project=project, task=task, saved=saved),
            Stopped(saved),
            Logged(saved),
            StatusResult(running=running, today_seconds=3600),
            HelpResult(),
        )
    ]
    week = [reports.EntryLine(v.entry(i), project, task) for i in range(5)]
    period = reports.Period("week", day, day + timedelta(days=6), week, 18000, 9000, 144000, running)
    messages.append(track.period(person, period))
    messages += [approval.approval_request(v.overview_of(n)) for n in (3, 41)]
    review = Violation("entry", Rule.TIMER_REVIEW, {
        "timer_id": 2, "started_at": v.NOW - timedelta(hours=30), "now": v.NOW, "ran": timedelta(hours=30),
        "limit": timedelta(hours=12), "past_midnight": True,
        "ends": [v.NOW - timedelta(hours=22), v.NOW - timedelta(hours=18)],
    })  # fmt: skip
    messages.append(timers.choices(person, Invalid([review], timer=True)))
    nudge = ForgottenNudge("U0MEMBER", 1, 2, v.NOW, "Europe/Berlin", "ACME-WEB", "wireframes", 600, False)
    messages.append(forgotten.nudge(nudge))
    states = [DayState(day - timedelta(days=i), 8 * 3600, i * 600) for i in range(5)]
    messages.append(missing_hours.nudge(Nudge("U0MEMBER", day, states, 1050, 1800, 0)))
    messages += [invoices.summary(summary(status)) for status in ("draft", "issued")]
    messages.append(clients.clients(clients_page(2, 40)))
    tasks = [TaskRow(i, f"Task {i}", None) for i in range(1, 4)]
    defaults = modals.EntryDefaults(day=day, project=project, task_id=2, tasks=tasks, duration="1h30m",
                                    start_time="09:00", end_time="10:30", description="x", work_type_id=1,
                                    billable=True)  # fmt: skip
    views = [
        modals.entry_modal(defaults, [WorkTypeRow(1, "Research")], metadata="m", editing=True),
        modals.start_modal(defaults, metadata="m"),
        modals.delete_modal(v.entry(1), project, metadata="m"),
        modals.done_modal("Saved", "Saved *1h*"),
        home_view(v.home_data(6), now=v.NOW),
        approval.reject_modal(7, "m"),
        entries_modal(v.overview_of(50), page=1, metadata="m"),
        timers.choices_modal(person, Invalid([review], timer=True)),
        invoices.void_modal(summary(), "m"),
        clients.invoice_modal("Acme", day, day, "m"),
    ]
    return [{"kind": "blocks", "source": "builder", "payload": m["blocks"]} for m in messages] + [
        {"kind": "view", "source": "builder", "payload": view} for view in views
    ]


@pytest.mark.last
def test_every_block_kit_payload_the_suite_sent_renders_without_a_placeholder(
    browser: Any, request: pytest.FixtureRequest
) -> None:
    seen = list(fakeslack.BLOCK_KIT_SEEN)
    slack_tests = sum("running_app" in item.fixturenames for item in request.session.items)
    corpus = seen or built_corpus()
    distinct: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for item in corpus:
        blocks = item["payload"]["blocks"] if item["kind"] == "view" else item["payload"]
        distinct.setdefault(json.dumps(blocks, sort_keys=True), (item["source"], blocks))
    payloads = [blocks for _source, blocks in distinct.values()]
    if seen and slack_tests >= SUITE_TESTS:
        assert len(payloads) >= SUITE_PAYLOADS, (
            f"{slack_tests} tests drove the app and sent only {len(payloads)}"
        )
    if not seen:
        every_block, every_element = set(), set()
        for blocks in payloads:
            block_types, element_types = types_in(blocks)
            every_block |= block_types
            every_element |= element_types
        assert every_block >= USED_BLOCKS and every_element >= USED_ELEMENTS, (every_block, every_element)
    assert payloads

    load_renderer(browser)
    found = draw(browser, payloads)
    print(f"drew {len(payloads)} distinct Block Kit payloads ({'sent by the suite' if seen else 'built'})")
    wrong: dict[str, list[str]] = {}
    for (source, _blocks), problems in zip(distinct.values(), found, strict=True):
        for problem in problems:
            wrong.setdefault(problem, []).append(source)
    assert not wrong, "the sandbox renderer cannot show: " + "; ".join(
        f"{problem} ({len(sources)}×, from {', '.join(sorted(set(sources)))})"
        for problem, sources in wrong.items()
    )


def test_what_the_renderer_does_not_know_is_shown_as_a_placeholder(browser: Any) -> None:
    load_renderer(browser)
    blocks = [
        {"type": "carousel", "block_id": "c"},
        {"type": "actions", "block_id": "a", "elements": [{"type": "hologram", "action_id": "h"},
                                                          {"type": "button", "action_id": "b",
                                                           "text": {"type": "plain_text", "text": "Go"}}]},
        {"type": "section", "block_id": "s", "text": {"type": "mrkdwn", "text": "hi"},
         "accessory": {"type": "workflow_button", "action_id": "w"}},
        {"type": "input", "block_id": "i", "label": {"type": "plain_text", "text": "Who"},
         "element": {"type": "multi_conversations_select", "action_id": "m"}},
        {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [{"type": "sparkle"}]}]},
        {"type": "divider"},
    ]  # fmt: skip
    assert draw(browser, [blocks]) == [
        ["block:carousel", "element:hologram", "element:workflow_button", "element:multi_conversations_select",
         "element:sparkle"]
    ]  # fmt: skip
    counted = browser.execute_script(
        "const r = BlockKit.renderBlocks(arguments[0], {});"
        "return [BlockKit.placeholders(r), r.querySelector('[data-placeholder=\"block:carousel\"]').textContent,"
        " r.querySelector('button[data-action-id=b]').textContent];",
        blocks,
    )
    assert counted == [5, "Cannot show a carousel block", "Go"]
    assert draw(
        browser, [[{"type": "divider"}, {"type": "header", "text": {"type": "plain_text", "text": "x"}}]]
    ) == [[]]


def test_mrkdwn_is_escaped_and_formatted_as_slack_does(browser: Any) -> None:
    load_renderer(browser)
    text = (
        "<script>alert(1)</script> &lt;b&gt;x&lt;/b&gt; &amp;lt; *bold* _it_ ~gone~ `a <b> c`\n"
        "<https://x.example/?a=1&amp;b=2|the *link*> <https://y.example> <javascript:alert(1)|bad> "
        "<@U0MEMBER> <@U0NOBODY> <#C0BILLING> <#C0ELSE|else> <!here> :white_check_mark: :not_an_emoji: "
        "<!date^1765000000^{date_num}|Dec 6>\n> quoted *too*\n```pre *not bold*```"
    )
    shown = browser.execute_script(
        """const div = document.createElement('div');
        div.innerHTML = BlockKit.mrkdwn(arguments[0], {people: arguments[1], channels: arguments[2]});
        const links = [...div.querySelectorAll('a')].map((a) => [a.getAttribute('href'), a.textContent]);
        const tags = (sel) => [...div.querySelectorAll(sel)].map((e) => e.textContent);
        return {text: div.textContent, links, strong: tags('strong'), em: tags('em'), del: tags('del'),
                code: tags('code'), pre: tags('pre'), quote: tags('blockquote'), scripts: tags('script').length,
                b: tags('b').length, mentions: tags('.bk-mention'), dates: tags('.bk-date'),
                br: div.querySelectorAll('br').length};""",
        text,
        PEOPLE,
        CHANNELS,
    )
    assert shown["scripts"] == 0 and shown["b"] == 0
    assert "<script>alert(1)</script>" in shown["text"] and "<b>x</b> &lt;" in shown["text"]
    assert shown["strong"] == ["bold", "too"] and shown["em"] == ["it"] and shown["del"] == ["gone"]
    assert shown["code"] == ["a <b> c"] and shown["pre"] == ["pre *not bold*"]
    assert shown["links"] == [
        ["https://x.example/?a=1&b=2", "the *link*"],
        ["https://y.example", "https://y.example"],
    ]
    assert "<javascript:alert(1)|bad>" in shown["text"]
    assert shown["mentions"] == ["@Max Member", "@U0NOBODY", "#billing-acme", "#else", "@here"]
    assert "✅" in shown["text"] and ":not_an_emoji:" in shown["text"]
    assert len(shown["dates"]) == 1 and shown["dates"][0].startswith("2025-12-0")
    assert shown["quote"] == ["quoted too"] and shown["br"] >= 1


# ---------------------------------------------------------------------------------- the page


def tiny_png(width: int = 160, height: int = 90) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"".join(
        bytes((74, 21, 75) if x < width * 2 // 3 else (232, 145, 45)) for x in range(width)
    )
    raw = row * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    return {**button, "style": style} if style else button


def stub_state(modal: bool) -> dict[str, Any]:
    ts = 1795532400  # 2026-11-24
    bot = {"user": "U0PUNCHCARD", "name": "Punchcard", "ephemeral": False, "edited": False}
    general = [
        {"ts": f"{ts}.000100", "channel": "C0GENERAL", "user": "U0PARTNER", "name": "Ada Partner",
         "text": "Morning all, timesheets are due *Friday* &lt;3", "ephemeral": False, "edited": False},
        {**bot, "ts": f"{ts + 60}.000200", "channel": "C0GENERAL", "text": "Saved",
         "blocks": [
             {"type": "section", "block_id": "saved", "text": {"type": "mrkdwn",
              "text": ":white_check_mark: Saved *1:30* on *ACME-WEB* Website Redesign — wireframes"},
              "accessory": {"type": "overflow", "action_id": "entry_menu", "options": [
                  {"text": {"type": "plain_text", "text": "Edit"}, "value": "edit:1"},
                  {"text": {"type": "plain_text", "text": "Delete"}, "value": "delete:1"}]}},
             {"type": "context", "elements": [{"type": "mrkdwn", "text": "Today: 6:30 of 8:00 · <@U0MEMBER>"}]},
         ], "ephemeral": True},
        {**bot, "ts": f"{ts + 120}.000300", "channel": "C0GENERAL", "text": "Your report", "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Hours by client, November"}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Acme Corp*\n42:00"},
                                           {"type": "mrkdwn", "text": "*Globex*\n7:30"}]},
            {"type": "actions", "block_id": "report", "elements": [
                _button("Open as CSV", "report_csv", "csv", "primary"), _button("Dismiss", "report_close", "x")]},
        ], "files": [
            {"id": "F1", "name": "hours.png", "title": "Hours by client", "mimetype": "image/png",
             "url": "/files/F1/hours.png"},
            {"id": "F2", "name": "INV-2026-0007.pdf", "title": "INV-2026-0007.pdf", "mimetype": "application/pdf",
             "url": "/files/F2/INV-2026-0007.pdf"},
            {"id": "F3", "name": "hours.csv", "title": "hours.csv", "mimetype": "text/csv",
             "url": "/files/F3/hours.csv"}]},
    ]  # fmt: skip
    home = {"id": "VHOME", "type": "home", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Punchcard"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": ":stopwatch: Running: *ACME-WEB* since 09:10"},
         "accessory": _button("Stop", "stop_timer", style="danger")},
        {"type": "actions", "elements": [_button("Log time", "open_entry_modal", style="primary"),
                                         _button("Start a timer", "open_start_modal")]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "This week: *14:30* tracked of 40:00"}]},
    ]}  # fmt: skip
    entry_modal = {
        "id": "VMODAL1", "hash": "h1", "type": "modal", "callback_id": "entry_modal", "private_metadata": "m",
        "title": {"type": "plain_text", "text": "Log time"}, "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "errors": {"duration": "Give a duration such as 1h30m, 90m or 1:30."},
        "blocks": [
            {"type": "input", "block_id": "project", "dispatch_action": True, "optional": False,
             "label": {"type": "plain_text", "text": "Project"},
             "element": {"type": "external_select", "action_id": "project_input", "min_query_length": 0,
                         "initial_option": {"text": {"type": "plain_text", "text": "ACME-WEB · Website Redesign"},
                                            "value": "1"}}},
            {"type": "input", "block_id": "date", "optional": False, "label": {"type": "plain_text", "text": "Date"},
             "element": {"type": "datepicker", "action_id": "date_input", "initial_date": "2026-11-24"}},
            {"type": "input", "block_id": "duration", "optional": True,
             "label": {"type": "plain_text", "text": "Duration"},
             "hint": {"type": "plain_text", "text": "1h30m, 90m, 1.5h or 1:30"},
             "element": {"type": "plain_text_input", "action_id": "duration_input", "initial_value": "soon"}},
            {"type": "input", "block_id": "work_type", "optional": True,
             "label": {"type": "plain_text", "text": "Work type"},
             "element": {"type": "static_select", "action_id": "work_type_input", "options": [
                 {"text": {"type": "plain_text", "text": "Research"}, "value": "1"},
                 {"text": {"type": "plain_text", "text": "Drafting"}, "value": "2"}]}},
            {"type": "input", "block_id": "billable", "optional": True,
             "label": {"type": "plain_text", "text": "Billing"},
             "element": {"type": "checkboxes", "action_id": "billable_input",
                         "options": [{"text": {"type": "plain_text", "text": "Billable"}, "value": "billable"}],
                         "initial_options": [{"text": {"type": "plain_text", "text": "Billable"},
                                              "value": "billable"}]}},
        ],
    }  # fmt: skip
    return {
        "ok": True, "workspace": "Hale & Partners LLP", "people": PEOPLE,
        "bot": {"id": "U0PUNCHCARD", "name": "Punchcard"}, "channels": CHANNELS,
        "messages": {"C0GENERAL": general, "C0BILLING": [], "DU0MEMBER": []},
        "home": home, "modals": [entry_modal] if modal else [],
        "jobs": [{"name": "missing-hours", "about": "Nudge people whose days are short"},
                 {"name": "weekly-digest", "about": "Partners' Monday digest"}],
    }  # fmt: skip


class Stub:
    """The stand-in's page API, canned: the state above; what the page POSTs is recorded."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, dict[str, Any]]] = []
        self.version = 1
        self.afters: list[str] = []  # the versions the page asked past: it had drawn them
        self.modal = True
        self.changed = threading.Condition()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                if parts.path == "/":
                    return self.send(200, (STATIC / "index.html").read_bytes(), "text/html")
                if parts.path.startswith("/static/"):
                    name = parts.path.removeprefix("/static/")
                    kind = {"css": "text/css", "js": "text/javascript"}.get(
                        name.rsplit(".", 1)[-1], "text/plain"
                    )
                    return self.send(200, (STATIC / name).read_bytes(), kind)
                if parts.path == "/files/F1/hours.png":
                    return self.send(200, tiny_png(), "image/png")
                if parts.path == "/sandbox/state":
                    return self.send_json(stub.state(query.get("user", ""), query.get("after")))
                self.send(404, b"", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                what = self.path.removeprefix("/sandbox/")
                stub.posted.append((what, body))
                answer: dict[str, Any] = {"ok": True}
                if what == "submit":
                    answer["errors"] = {"project": "ACME-WEB is closed for November."}
                elif what == "options":
                    answer["options"] = [{"text": {"type": "plain_text", "text": "GLOBEX-M · Secret Merger"},
                                          "value": "3"}]  # fmt: skip
                elif what == "job":
                    answer["said"] = f"{body.get('name')} as of now: 2 queued"
                elif what == "close":
                    with stub.changed:
                        stub.modal = False
                        stub.version += 1
                        stub.changed.notify_all()
                self.send_json(answer)

            def send_json(self, data: dict[str, Any]) -> None:
                self.send(200, json.dumps(data).encode(), "application/json")

            def send(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a long poll given up
                    self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def state(self, user: str, after: str | None) -> dict[str, Any]:
        with self.changed:
            if after is not None:
                self.afters.append(after)
            if after is not None and int(after) >= self.version:
                self.changed.wait(2)
            me = user if any(p["id"] == user for p in PEOPLE) else PEOPLE[0]["id"]
            return {**stub_state(self.modal), "version": self.version, "me": me}

    def sent(self, what: str) -> list[dict[str, Any]]:
        return [body for kind, body in self.posted if kind == what]


@pytest.fixture
def stub() -> Iterator[Stub]:
    stub = Stub()
    stub.thread.start()
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


def test_the_page_plays_slack_against_a_stub_of_its_api(browser: Any, stub: Stub) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.set_window_size(*DESKTOP)
    driver.get(stub.url + "#C0GENERAL")
    wait = WebDriverWait(driver, 10)

    def find(css: str) -> Any:
        return wait.until(lambda d: d.find_element(By.CSS_SELECTOR, css))

    def wait_for(what: str, count: int = 1) -> list[dict[str, Any]]:
        wait.until(lambda _d: len(stub.sent(what)) >= count)
        return stub.sent(what)

    modal = find("#modal")
    wait.until(lambda _d: modal.is_displayed() and modal.get_attribute("data-callback-id") == "entry_modal")
    error = driver.find_element(By.CSS_SELECTOR, '#modal .bk-block[data-block-id="duration"] .bk-error')
    assert error.text == "Give a duration such as 1h30m, 90m or 1:30."
    assert error.get_attribute("data-block-id") == "duration"
    assert driver.find_element(By.ID, "modal-submit").text == "Save"
    assert driver.find_element(By.ID, "composer").is_enabled()
    who = [o.text for o in driver.find_elements(By.CSS_SELECTOR, "#who option")]
    assert who == ["Max Member (member)", "Ada Partner (partner)", "Olga Admin (admin)"]
    assert driver.find_element(By.CSS_SELECTOR, '[data-channel="C0BILLING"]').text.endswith("billing-acme")
    messages = driver.find_elements(By.CSS_SELECTOR, "#messages .message[data-ts]")
    assert len(messages) == 3
    assert "Only visible to you" in messages[1].text and "Only visible to you" not in messages[0].text
    assert "Friday <3" in messages[0].text and "✅ Saved 1:30 on ACME-WEB" in messages[1].text
    pdf = driver.find_element(By.CSS_SELECTOR, 'a.file[data-name="INV-2026-0007.pdf"]')
    assert pdf.get_attribute("download") == "INV-2026-0007.pdf" and pdf.get_attribute("href").endswith(
        "/files/F2/INV-2026-0007.pdf"
    )
    png = driver.find_element(By.CSS_SELECTOR, 'a.file[data-name="hours.png"] img')
    wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", png) == 160)
    assert driver.execute_script("return BlockKit.placeholders(document.body)") == 0
    screenshot(driver, "sandbox-stub", DESKTOP)

    # Typing survives the long poll's redraws; submit sends Slack's state.values, initial values too.
    duration = driver.find_element(By.CSS_SELECTOR, '[data-action-id="duration_input"]')
    duration.clear()
    duration.send_keys("2h")
    driver.find_element(By.CSS_SELECTOR, '[data-action-id="work_type_input"] option[value="1"]').click()
    with stub.changed:  # a new state, the same modal: the page redraws only what changed
        stub.version += 1
        stub.changed.notify_all()
    wait.until(lambda _d: str(stub.version) in stub.afters)
    assert duration.get_attribute("value") == "2h"
    driver.find_element(By.ID, "modal-submit").click()
    [submitted] = wait_for("submit")
    assert submitted["user"] == "U0MEMBER" and submitted["view_id"] == "VMODAL1"
    assert submitted["state"] == {
        "project": {"project_input": {"type": "external_select", "selected_option": {
            "text": {"type": "plain_text", "text": "ACME-WEB · Website Redesign"}, "value": "1"}}},
        "date": {"date_input": {"type": "datepicker", "selected_date": "2026-11-24"}},
        "duration": {"duration_input": {"type": "plain_text_input", "value": "2h"}},
        "work_type": {"work_type_input": {"type": "static_select", "selected_option": {
            "text": {"type": "plain_text", "text": "Research"}, "value": "1"}}},
        "billable": {"billable_input": {"type": "checkboxes", "selected_options": [
            {"text": {"type": "plain_text", "text": "Billable"}, "value": "billable"}]}},
    }  # fmt: skip
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '.bk-error[data-block-id="project"]').text
               == "ACME-WEB is closed for November.")  # fmt: skip

    # The external select asks for options as one types, and its choice is a dispatched action.
    project = driver.find_element(By.CSS_SELECTOR, '[data-action-id="project_input"] input')
    project.send_keys("glo")
    option = find('[data-action-id="project_input"] .bk-menu-item[data-value="3"]')
    assert wait_for("options")[-1]["value"] == "glo"
    option.click()
    action = wait_for("action")[-1]
    assert action["surface"] == "modal" and action["view_id"] == "VMODAL1"
    assert (
        action["action"]["action_id"] == "project_input"
        and action["action"]["selected_option"]["value"] == "3"
    )
    assert action["state"]["duration"]["duration_input"]["value"] == "2h"

    driver.find_element(By.ID, "modal-close").click()
    assert wait_for("close")[-1]["view_id"] == "VMODAL1"
    wait.until(lambda d: not d.find_element(By.ID, "modal-backdrop").is_displayed())
    screenshot(driver, "sandbox-stub-channel", DESKTOP)

    # A message's buttons and overflow fire block actions on that message.
    driver.find_element(By.CSS_SELECTOR, '.message [data-action-id="report_csv"]').click()
    action = wait_for("action", 2)[-1]
    assert (action["surface"], action["channel"], action["ts"]) == (
        "message",
        "C0GENERAL",
        messages[2].get_attribute("data-ts"),
    )
    assert action["action"] == {"block_id": "report", "type": "button", "action_id": "report_csv",
                                "text": {"type": "plain_text", "text": "Open as CSV"}, "value": "csv",
                                "style": "primary"}  # fmt: skip
    driver.find_element(By.CSS_SELECTOR, '[data-action-id="entry_menu"] .bk-overflow-button').click()
    driver.find_element(
        By.CSS_SELECTOR, '[data-action-id="entry_menu"] .bk-menu-item[data-value="edit:1"]'
    ).click()
    assert wait_for("action", 3)[-1]["action"]["selected_option"]["value"] == "edit:1"

    # Dismissing an ephemeral message hides it; the composer sends what was typed to this channel.
    driver.find_element(By.CSS_SELECTOR, ".message.ephemeral .dismiss").click()
    assert len(driver.find_elements(By.CSS_SELECTOR, "#messages .message")) == 2
    composer = driver.find_element(By.ID, "composer")
    composer.send_keys("/track 1h ACME-WEB wireframes", Keys.ENTER)
    assert wait_for("command")[-1] == {
        "user": "U0MEMBER",
        "channel": "C0GENERAL",
        "text": "/track 1h ACME-WEB wireframes",
    }
    wait.until(lambda _d: composer.get_attribute("value") == "")

    # The Home tab asks Punchcard to publish it every time it is opened.
    driver.find_element(By.ID, "tab-home").click()
    find('#home-pane [data-action-id="stop_timer"]')
    driver.find_element(By.ID, "tab-messages").click()
    driver.find_element(By.ID, "tab-home").click()
    assert len(wait_for("home", 2)) == 2
    screenshot(driver, "sandbox-stub-home", DESKTOP)
    driver.find_element(By.CSS_SELECTOR, '#home-pane [data-action-id="stop_timer"]').click()
    action = wait_for("action", 4)[-1]
    assert (action["surface"], action["view_id"], action["action"]["action_id"]) == (
        "home",
        "VHOME",
        "stop_timer",
    )

    # Jobs, and switching who one is.
    driver.find_element(By.CSS_SELECTOR, "#jobs summary").click()
    driver.find_element(By.ID, "job-run").click()
    assert wait_for("job")[-1]["name"] == "missing-hours"
    wait.until(lambda d: d.find_element(By.ID, "job-said").text == "missing-hours as of now: 2 queued")
    driver.find_element(By.CSS_SELECTOR, '#who option[value="U0PARTNER"]').click()
    wait.until(lambda _d: any(body["user"] == "U0PARTNER" for body in stub.sent("home")))
