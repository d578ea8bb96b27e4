"""The official `dify-client` package (PyPI 0.1.10) against a live `yarrow serve`.

The SDK hard-codes Dify's cloud URL; like its users do, we point ``base_url`` at our server.
Not covered here: stop (this SDK version has no stop method; stop is tested over HTTP in
tests/integration/chat).
"""

from __future__ import annotations

import json
from typing import TypeVar

from dify_client import ChatClient, CompletionClient, DifyClient

from tests.compat.conftest import LiveYarrow

T = TypeVar("T", bound=DifyClient)


def _client(cls: type[T], key: str, live: LiveYarrow) -> T:
    client = cls(key)
    client.base_url = f"{live.url}/v1"
    return client


def test_chat_blocking_and_history(live: LiveYarrow) -> None:
    chat = _client(ChatClient, live.chat_key, live)
    first = chat.create_chat_message({}, "hello from the sdk", "sdk-user")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["answer"] == "Echo: hello from the sdk"
    again = chat.create_chat_message(
        {}, "second", "sdk-user", conversation_id=body["conversation_id"]
    ).json()
    assert again["conversation_id"] == body["conversation_id"]
    history = chat.get_conversation_messages("sdk-user", body["conversation_id"]).json()
    assert [m["answer"] for m in history["data"]] == ["Echo: hello from the sdk", "Echo: second"]
    conversations = chat.get_conversations("sdk-user").json()
    assert conversations["data"][0]["id"] == body["conversation_id"]
    renamed = chat.rename_conversation(body["conversation_id"], "From SDK", "sdk-user").json()
    assert renamed["name"] == "From SDK"
    feedback = chat.message_feedback(body["message_id"], "like", "sdk-user")
    assert feedback.json() == {"result": "success"}
    params = chat.get_application_parameters("sdk-user").json()
    assert "user_input_form" in params and "system_parameters" in params


def test_chat_streaming(live: LiveYarrow) -> None:
    chat = _client(ChatClient, live.chat_key, live)
    response = chat.create_chat_message(
        {}, "stream these words", "sdk-user", response_mode="streaming"
    )
    events = [
        json.loads(line[len(b"data: ") :])
        for line in response.iter_lines()
        if line.startswith(b"data: ")
    ]
    assert events[-1]["event"] == "message_end"
    assert "".join(e.get("answer", "") for e in events) == "Echo: stream these words"


def test_completion(live: LiveYarrow) -> None:
    completion = _client(CompletionClient, live.completion_key, live)
    blocking = completion.create_completion_message({}, "blocking", "sdk-user")
    assert blocking.status_code == 200, blocking.text
    assert blocking.json()["answer"].startswith("Echo:")
    streamed = completion.create_completion_message({}, "streaming", "sdk-user")
    events = [json.loads(line[6:]) for line in streamed.iter_lines() if line.startswith(b"data: ")]
    assert events[-1]["event"] == "message_end"


def test_sdk_sees_dify_errors(live: LiveYarrow) -> None:
    chat = _client(ChatClient, "app-invalidinvalidinvalid000", live)
    response = chat.create_chat_message({}, "hi", "sdk-user")
    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthorized",
        "message": "Access token is invalid",
        "status": 401,
    }


def test_file_upload_and_use_in_chat(live: LiveYarrow) -> None:
    chat = _client(ChatClient, live.chat_key, live)
    uploaded = chat.file_upload("sdk-user", {"file": ("notes.txt", b"sdk file", "text/plain")})
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["id"]
    files = [{"type": "document", "transfer_method": "local_file", "upload_file_id": file_id}]
    answer = chat.create_chat_message({}, "about the file", "sdk-user", files=files)
    assert answer.status_code == 200, answer.text
    other = chat.create_chat_message({}, "steal", "another-user", files=files)
    assert other.status_code == 404 and other.json()["code"] == "file_not_found"
