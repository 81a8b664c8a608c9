"""/track over real HTTP, signed as Slack signs it, against the fake Slack Web API."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from storage.models import Person, RunningTimer, TimeEntry
from tests.conftest import SIGNING_SECRET, RunningApp, session_scope
from tests.signing import command_body, post


def entries(app: RunningApp) -> list[TimeEntry]:
    with session_scope(app.sessions) as s:
        return list(s.scalars(select(TimeEntry).order_by(TimeEntry.id)))


def test_start_then_stop_saves_the_entry_and_says_so(firm: None, running_app: RunningApp) -> None:
    answer = running_app.say('start ACME-WEB Design "homepage wireframes"')
    assert "Timer running on *ACME-WEB* Website Redesign › Design — homepage wireframes" in answer
    running_app.clock.advance(minutes=95)
    answer = running_app.say("stop")
    assert "Saved 1:35 on *ACME-WEB* Website Redesign › Design — homepage wireframes" in answer
    [entry] = entries(running_app)
    assert entry.duration_seconds == 95 * 60


def test_answers_are_ephemeral_and_in_the_ack(firm: None, running_app: RunningApp) -> None:
    status, answer = running_app.track("status")
    assert status == 200
    assert answer["response_type"] == "ephemeral"
    assert "No timer is running" in answer["text"]
    assert running_app.fake.calls_to("response_url") == []


def test_starting_while_running_saves_the_running_one_first(firm: None, running_app: RunningApp) -> None:
    running_app.say("start acme Design first")
    running_app.clock.advance(minutes=30)
    answer = running_app.say("start acme Build second")
    assert "Timer running on *ACME-WEB* Website Redesign › Build — second" in answer
    assert "Saved 0:30 on *ACME-WEB* Website Redesign › Design — first" in answer


def test_stop_asks_for_a_missing_required_field_but_saves(firm: None, running_app: RunningApp) -> None:
    running_app.say("start acme")
    running_app.clock.advance(minutes=12)
    answer = running_app.say("stop")
    assert "Saved 0:12" in answer and "ACME-WEB needs a description. Add it before you submit" in answer
    assert len(entries(running_app)) == 1


def test_status_shows_running_timer_and_today_total(firm: None, running_app: RunningApp) -> None:
    running_app.say("log 1h acme research")
    running_app.say("start acme Build footer")
    running_app.clock.advance(minutes=45)
    answer = running_app.say("status")
    assert "Running: *ACME-WEB* Website Redesign › Build — footer — 0:45" in answer
    assert "Today: 1:45 tracked" in answer


def test_log_and_week_against_schedule(firm: None, running_app: RunningApp) -> None:
    assert "Logged 1:30" in running_app.say("log 1:30 acme Design wireframes on monday", user_id="U0PARTNER")
    assert "Logged 6:00" in running_app.say("log 6h acme Build sprint", user_id="U0PARTNER")
    status, week = running_app.track("week", user_id="U0PARTNER")
    text = json.dumps(week["blocks"])
    assert "Mon 16 Nov 2026" in text and "Tue 17 Nov 2026" in text
    assert "*7:30* tracked" in text and "scheduled 40:00" in text and "32:30 to go" in text
    status, today = running_app.track("today", user_id="U0PARTNER")
    assert "6:00" in today["text"] and "wireframes" not in json.dumps(today["blocks"])


def test_help_lists_every_subcommand_with_an_example(running_app: RunningApp, engine: object) -> None:
    text = json.dumps(running_app.track("help")[1]["blocks"])
    for sub in ("start", "stop", "discard", "status", "log", "today", "week", "help"):
        assert f"/track {sub}" in text


def test_bad_input_gets_a_clear_ephemeral_answer_and_writes_nothing(
    firm: None, running_app: RunningApp
) -> None:
    cases = {
        "start nowhere": "No active project matches `nowhere`",
        "log 1h": "needs a duration and a project",
        "log 1x acme": "is not a duration",
        "log 0m acme x": "more than zero and at most 24 hours",
        "log 25h acme x": "more than zero and at most 24 hours",
        "log 1h acme x on 2030-01-01": "in the future",
        "dance": "is not a /track command",
        "stop": "No timer is running",
    }
    for text, needle in cases.items():
        status, answer = running_app.track(text)
        assert status == 200
        assert answer["response_type"] == "ephemeral"
        assert needle in answer["text"], (text, answer["text"])
    assert entries(running_app) == []


def wait_for_person(app: RunningApp, slack_id: str, name: str, timeout: float = 5) -> Person:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope(app.sessions) as s:
            person = s.scalars(select(Person).where(Person.slack_id == slack_id)).one_or_none()
            if person is not None and person.name == name:
                return person
        assert time.monotonic() < deadline, f"{slack_id} was never named {name!r}"
        time.sleep(0.05)


def test_people_not_in_the_import_are_registered_and_their_profile_read_after_the_ack(
    firm: None, running_app: RunningApp
) -> None:
    running_app.fake.add_user("U0NEWBIE", real_name="Nina Newbie", tz="Asia/Tokyo")
    running_app.say("log 1h acme onboarding", user_id="U0NEWBIE")
    person = wait_for_person(running_app, "U0NEWBIE", "Nina Newbie")
    assert (person.timezone, person.role.value) == ("Asia/Tokyo", "member")
    assert len(running_app.fake.calls_to("users.info")) == 1
    running_app.say("status", user_id="U0NEWBIE")
    time.sleep(0.2)
    assert len(running_app.fake.calls_to("users.info")) == 1  # looked up once, on first use


def test_imported_people_are_not_looked_up(firm: None, running_app: RunningApp) -> None:
    running_app.say("status")
    assert running_app.fake.calls_to("users.info") == []


def test_rate_limited_users_info_never_delays_the_ack_and_is_retried_after_it(
    firm: None, running_app: RunningApp
) -> None:
    running_app.fake.add_user("U0SLOW", real_name="Sam Slow", tz="Europe/Paris")
    running_app.fake.rate_limit("users.info", times=2, retry_after=1)
    started = time.monotonic()
    answer = running_app.say("log 1h acme first day", user_id="U0SLOW")
    assert time.monotonic() - started < 1.0  # answered without waiting on Slack at all
    assert "Logged 1:00" in answer
    calls = running_app.fake.wait_for("users.info", count=3)  # after the ack: two 429s, then the profile
    assert calls[0].rate_limited and calls[1].rate_limited and not calls[-1].rate_limited
    assert wait_for_person(running_app, "U0SLOW", "Sam Slow").timezone == "Europe/Paris"


def test_forged_signature_is_refused_and_writes_nothing(firm: None, running_app: RunningApp) -> None:
    body = command_body("log 1h acme forged")
    status, _, _ = post(running_app.url + "/slack/events", body, "not-the-secret")
    assert status == 401
    stale = int(time.time()) - 600
    status, _, _ = post(running_app.url + "/slack/events", body, SIGNING_SECRET, timestamp=stale)
    assert status == 401
    assert entries(running_app) == []


def test_healthz_answers_once_the_database_is_reachable(running_app: RunningApp, engine: object) -> None:
    import urllib.request

    with urllib.request.urlopen(running_app.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True}


def test_one_timer_per_person_under_concurrent_starts(firm: None, running_app: RunningApp) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: running_app.track(f"start acme task {i}"), range(8)))
    assert all(status == 200 and "Timer running" in a["text"] for status, a in answers)
    with session_scope(running_app.sessions) as s:
        assert s.scalar(select(func.count()).select_from(RunningTimer)) == 1
        # All at the same instant (the test's clock stands still): each start replaced the
        # one before it, which ran no time, so nothing was billed.
        assert s.scalar(select(func.count()).select_from(TimeEntry)) == 0


def test_a_burst_of_commands_from_many_people_is_each_answered_and_saved(
    firm: None, running_app: RunningApp
) -> None:
    """On SQLite the commands that arrive together share one transaction (group commit);
    each is still answered for itself, and each saved."""
    from concurrent.futures import ThreadPoolExecutor

    people = [f"U0BURST{i:02d}" for i in range(12)]
    for user_id in people:  # registered from users.info, one by one
        running_app.say("status", user_id=user_id)

    def burst(text: str) -> list[str]:
        with ThreadPoolExecutor(len(people)) as pool:
            return list(pool.map(lambda u: running_app.say(text.format(u=u), user_id=u), people))

    started = burst("start acme {u} work")
    assert all(f"{u} work" in a and "Timer running" in a for u, a in zip(people, started, strict=True))
    running_app.clock.advance(minutes=30)
    stopped = burst("stop")
    assert all(
        f"Saved 0:30 on *ACME-WEB* Website Redesign — {u} work." in a
        for u, a in zip(people, stopped, strict=True)
    )
    with session_scope(running_app.sessions) as s:
        assert s.scalar(select(func.count()).select_from(RunningTimer)) == 0
    saved = {e.description: e.duration_seconds for e in entries(running_app)}
    assert saved == {f"{u} work": 1800 for u in people}


def test_today_lists_entries_with_edit_menus_and_locks(firm: None, running_app: RunningApp) -> None:
    from sqlalchemy import update

    from storage.models import EntryStatus

    running_app.say("log 1h acme open one")
    running_app.say("log 2h acme locked one")
    with session_scope(running_app.sessions) as s:
        s.execute(
            update(TimeEntry).where(TimeEntry.description == "locked one").values(status=EntryStatus.APPROVED)
        )
    _, answer = running_app.track("today")
    sections = [b for b in answer["blocks"] if b["type"] == "section"]
    open_one = next(b for b in sections if "open one" in b["text"]["text"])
    locked = next(b for b in sections if "locked one" in b["text"]["text"])
    assert [o["value"].split(":")[0] for o in open_one["accessory"]["options"]] == ["edit", "delete"]
    assert "accessory" not in locked and "approved" in locked["text"]["text"]


def test_partners_see_which_rate_priced_an_entry_and_members_do_not(
    firm: None, running_app: RunningApp
) -> None:
    running_app.say("log 1h30m acme Design wireframes", user_id="U0PARTNER")
    answer = running_app.say("rate last", user_id="U0PARTNER")
    assert "Rate $300.00/h from the task rate 300" in answer and "Amount $450.00" in answer
    running_app.say("log 1h acme Build footer")
    assert "Only partners and admins" in running_app.say("rate last")
    assert "no entry 999" in running_app.say("rate 999", user_id="U0PARTNER").lower()


def test_track_audit_shows_an_entrys_history(firm: None, running_app: RunningApp) -> None:
    running_app.say("start acme Design audit me")
    running_app.clock.advance(minutes=20)
    running_app.say("stop")
    answer = running_app.say("audit last")
    assert "History of entry" in answer and "create" in answer and "by U0MEMBER" in answer
    [entry] = entries(running_app)
    assert "No history of entry" in running_app.say(f"audit {entry.id}", user_id="U0NOBODY")
    assert "History of entry" in running_app.say(f"audit {entry.id}", user_id="U0PARTNER")


def test_a_slow_users_info_for_a_newcomer_stalls_nobody(firm: None, running_app: RunningApp) -> None:
    """Slack taking 2 s over a new person's profile: their first /track is answered from the
    request alone, and a known person's /track status meanwhile in well under 100 ms."""
    from concurrent.futures import ThreadPoolExecutor

    running_app.fake.add_user("U0NEWCOMER", real_name="Nia Newcomer", tz="Asia/Tokyo")
    running_app.fake.delay("users.info", 2.0)
    running_app.say("status")  # warm
    with ThreadPoolExecutor(2) as pool:
        began = time.monotonic()
        first = pool.submit(running_app.say, "log 1h acme onboarding", user_id="U0NEWCOMER")
        latencies = []
        for _ in range(50):
            t0 = time.monotonic()
            assert "Today:" in running_app.say("status")
            latencies.append(time.monotonic() - t0)
        assert "Logged 1:00" in first.result() and time.monotonic() - began < 2.0
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    assert p99 < 0.1, f"p99 {p99 * 1000:.1f} ms"
    assert wait_for_person(running_app, "U0NEWCOMER", "Nia Newcomer").timezone == "Asia/Tokyo"
