"""The fake Slack Web API answers a real slack_sdk WebClient, and signing matches Slack's."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.fakeslack import FakeSlack
from tests.signing import JSON, command_body, event_body, interactive_body, post, sign

TOKEN = "xoxb-test"
PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk honours HTTPS_PROXY and ignores NO_PROXY; everything here stays on 127.0.0.1.
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as f:
        yield f


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.url, timeout=5)


def test_url_is_the_api_base_with_a_trailing_slash(fake: FakeSlack) -> None:
    assert fake.url.startswith("http://127.0.0.1:") and fake.url.endswith("/api/")


def test_auth_test_and_the_bearer_token_is_recorded(fake: FakeSlack, client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == "U0BOT" and answer["team_id"] == "T0FAKE" and answer["bot_id"] == "B0BOT"
    [call] = fake.calls_to("auth.test")
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.headers["authorization"] == f"Bearer {TOKEN}"  # lookups ignore case
    assert call.token == TOKEN
    assert call.path == "/api/auth.test"


def test_post_message_records_params_with_blocks_decoded(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]
    first = client.chat_postMessage(channel="C0GENERAL", text="[not json] hello", blocks=blocks)
    second = client.chat_postMessage(channel="C0GENERAL", text="again", blocks=json.dumps(blocks))
    assert first["ok"] and first["channel"] == "C0GENERAL"
    assert first["message"]["blocks"] == blocks
    assert float(second["ts"]) > float(first["ts"])
    one, two = fake.calls_to("chat.postMessage")
    assert one.params == {"channel": "C0GENERAL", "text": "[not json] hello", "blocks": blocks}
    assert two.params["blocks"] == blocks  # a JSON string in the body is decoded too
    assert not one.rate_limited


def test_form_encoded_params_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "divider"}]
    client.api_call(
        "chat.postEphemeral", params={"channel": "C1", "user": "U1", "blocks": json.dumps(blocks)}
    )
    [call] = fake.calls_to("chat.postEphemeral")
    assert call.params == {"channel": "C1", "user": "U1", "blocks": blocks}
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_users_info_answers_added_users_and_defaults(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U0NINA", real_name="Nina Newbie", tz="Asia/Tokyo")
    nina = client.users_info(user="U0NINA")["user"]
    assert (nina["id"], nina["real_name"], nina["tz"], nina["tz_offset"]) == (
        "U0NINA",
        "Nina Newbie",
        "Asia/Tokyo",
        9 * 3600,
    )
    assert nina["profile"]["real_name"] == "Nina Newbie"
    stranger = client.users_info(user="U0WHO")["user"]
    assert stranger["name"] == "u0who" and stranger["real_name"] == "User U0WHO"
    assert stranger["tz"] == "America/Los_Angeles" and stranger["tz_offset"] in (-8 * 3600, -7 * 3600)
    assert stranger["profile"]["display_name"] == "User U0WHO"
    assert [c.params["user"] for c in fake.calls_to("users.info")] == ["U0NINA", "U0WHO"]


def test_other_methods(fake: FakeSlack, client: WebClient) -> None:
    assert client.conversations_open(users="U0NINA")["channel"]["id"] == "DU0NINA"
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    updated = client.chat_update(channel="C1", ts="1700000000.000100", text="edited")
    assert (updated["channel"], updated["ts"], updated["text"]) == ("C1", "1700000000.000100", "edited")
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Log time"}, "blocks": []}
    opened = client.views_open(trigger_id="t.123", view=view)["view"]
    assert opened["type"] == "modal" and opened["id"].startswith("V") and opened["hash"].startswith("h")
    assert fake.calls_to("views.open")[0].params["view"] == view
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]
    assert home["type"] == "home" and home["team_id"] == "T0FAKE"
    assert client.reactions_add(channel="C1", timestamp="1.2", name="clock1").data == {"ok": True}


def test_response_urls_are_unique_and_recorded(fake: FakeSlack) -> None:
    first, second = fake.response_url(), fake.response_url()
    assert first != second and first.startswith(f"http://127.0.0.1:{fake.port}/response/")
    answer = WebhookClient(second).send(text="Saved 1:00", response_type="ephemeral")
    assert answer.status_code == 200
    [call] = fake.calls_to("response_url")
    assert call.params == {"text": "Saved 1:00", "response_type": "ephemeral"}
    assert call.path == second.removeprefix(f"http://127.0.0.1:{fake.port}")


def test_wait_for_sees_calls_from_other_threads(fake: FakeSlack, client: WebClient) -> None:
    def later() -> None:
        time.sleep(0.2)
        for n in range(3):
            client.chat_postMessage(channel="C1", text=f"message {n}")

    threading.Thread(target=later, daemon=True).start()
    calls = fake.wait_for("chat.postMessage", count=3, timeout=5)
    assert [c.params["text"] for c in calls] == ["message 0", "message 1", "message 2"]


def test_concurrent_calls_are_all_recorded(fake: FakeSlack, client: WebClient) -> None:
    threads = [
        threading.Thread(target=client.chat_postMessage, kwargs={"channel": "C1", "text": str(n)})
        for n in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    calls = fake.wait_for("chat.postMessage", count=20, timeout=5)
    assert sorted(int(c.params["text"]) for c in calls) == list(range(20))


def test_wait_for_times_out_listing_what_it_saw(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    started = time.monotonic()
    with pytest.raises(AssertionError) as raised:
        fake.wait_for("chat.postMessage", count=1, timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2
    message = str(raised.value)
    assert "chat.postMessage" in message and "got 0" in message and "auth.test" in message


def test_rate_limited_call_is_retried_after_retry_after(fake: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=fake.url, timeout=5)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    fake.add_user("U0SLOW", real_name="Sam Slow", tz="Europe/Paris")
    fake.rate_limit("users.info", times=1, retry_after=0)
    assert client.users_info(user="U0SLOW")["user"]["real_name"] == "Sam Slow"
    first, second = fake.calls_to("users.info")
    assert first.rate_limited and not second.rate_limited
    assert first.params == second.params == {"user": "U0SLOW"}


def test_rate_limited_call_without_a_retry_handler_raises(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 429
    headers = {k.lower(): v for k, v in raised.value.response.headers.items()}
    assert headers["retry-after"] in ("7", ["7"])
    assert raised.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]  # only the next call was limited


def test_fail_makes_the_next_call_answer_an_error(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C404", text="hi")
    assert raised.value.response["error"] == "channel_not_found"
    assert fake.calls_to("chat.postMessage")[0].error == "channel_not_found"


def test_files_upload_v2_round_trip(fake: FakeSlack, client: WebClient) -> None:
    content = b"date,person,hours\n2026-11-17,Nina,1.5\n"
    answer = client.files_upload_v2(
        channel="D0NINA", content=content, filename="timesheet.csv", title="Timesheet"
    )
    assert answer["file"]["title"] == "Timesheet"
    [url_call] = fake.calls_to("files.getUploadURLExternal")
    assert url_call.params["filename"] == "timesheet.csv" and url_call.params["length"] == str(len(content))
    [upload] = fake.calls_to("file_upload")
    assert upload.params == {"size": len(content), "body": content}
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D0NINA"
    assert complete.params["files"][0]["id"] == answer["file"]["id"]
    assert answer["file"]["size"] == len(content)
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]


def test_reset_forgets_calls_but_keeps_users(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U0NINA", real_name="Nina Newbie", tz="Asia/Tokyo")
    client.auth_test()
    fake.reset()
    assert fake.calls == []
    assert client.users_info(user="U0NINA")["user"]["real_name"] == "Nina Newbie"


def test_close_stops_serving() -> None:
    fake = FakeSlack()
    fake.close()
    fake.close()  # idempotent
    with pytest.raises(OSError):
        urllib.request.urlopen(fake.url + "auth.test", timeout=1)


def test_sign_verifies_with_slack_sdk() -> None:
    body = command_body("start acme Design", response_url="http://127.0.0.1:9/response/1")
    headers = sign("s3cret", body)
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    stale = sign("s3cret", body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    fields = {k: v[0] for k, v in parse_qs(body).items()}
    assert fields["command"] == "/track" and fields["text"] == "start acme Design"
    assert fields["user_id"] == "U0MEMBER" and fields["trigger_id"].startswith("t.")
    assert list(fields)[:3] == ["token", "team_id", "team_domain"]


def test_interactive_and_event_bodies() -> None:
    payload = {"type": "block_actions", "user": {"id": "U0MEMBER"}, "actions": [{"action_id": "stop"}]}
    body = interactive_body(payload)
    assert body.startswith("payload=")
    assert json.loads(parse_qs(body)["payload"][0]) == payload
    envelope = event_body({"type": "app_home_opened", "user": "U0MEMBER"}, event_id="Ev1")
    decoded = json.loads(envelope)
    assert decoded["type"] == "event_callback" and decoded["event_id"] == "Ev1"
    assert decoded["event"]["type"] == "app_home_opened" and decoded["team_id"] == "T0FAKE"
    headers = sign("s3cret", envelope, content_type=JSON)
    assert headers["Content-Type"] == "application/json"
    assert SignatureVerifier("s3cret").is_valid_request(envelope, headers)


def test_post_sends_signed_requests_and_returns_4xx(fake: FakeSlack) -> None:
    status, headers, payload = post(fake.url + "chat.postMessage", "channel=C1&text=hi", "s3cret")
    assert status == 200 and json.loads(payload)["ok"] is True
    assert headers["content-type"].startswith("application/json")
    [call] = fake.calls_to("chat.postMessage")
    assert call.params == {"channel": "C1", "text": "hi"}
    assert SignatureVerifier("s3cret").is_valid_request("channel=C1&text=hi", dict(call.headers))
    fake.rate_limit("chat.postMessage", retry_after=3)
    status, headers, payload = post(fake.url + "chat.postMessage", "channel=C1", "s3cret")
    assert status == 429 and headers["retry-after"] == "3"
    assert json.loads(payload) == {"ok": False, "error": "ratelimited"}
