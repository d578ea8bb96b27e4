"""The official `openai` Python SDK against Yarrow's `/openai/v1` (each app as a model)."""

from __future__ import annotations

import openai
import pytest

from tests.compat.conftest import LiveYarrow


def _client(live: LiveYarrow, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live.url}/openai/v1", api_key=key, max_retries=0)


def test_models_lists_the_app(live: LiveYarrow) -> None:
    models = _client(live, live.chat_key).models.list()
    assert [m.id for m in models.data] == ["compat chat"]


def test_blocking_chat(live: LiveYarrow) -> None:
    client = _client(live, live.chat_key)
    completion = client.chat.completions.create(
        model="anything-goes", messages=[{"role": "user", "content": "hi sdk"}]
    )
    assert completion.model == "anything-goes"
    assert completion.choices[0].message.content == "Echo: hi sdk"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens > 0


def test_streaming_chat(live: LiveYarrow) -> None:
    client = _client(live, live.chat_key)
    stream = client.chat.completions.create(
        model="m", stream=True, messages=[{"role": "user", "content": "streamed words here"}]
    )
    parts, finish = [], None
    for chunk in stream:
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
    assert "".join(parts) == "Echo: streamed words here" and finish == "stop"


def test_conversation_continuity_by_header(live: LiveYarrow) -> None:
    client = _client(live, live.chat_key)
    raw = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "remember me"}]
    )
    conversation = raw.headers["x-conversation-id"]
    follow = client.chat.completions.with_raw_response.create(
        model="m",
        messages=[{"role": "user", "content": "and again"}],
        extra_headers={"X-Conversation-Id": conversation},
    )
    assert follow.headers["x-conversation-id"] == conversation
    assert follow.parse().choices[0].message.content == "Echo: and again"


def test_completion_app_answers_too(live: LiveYarrow) -> None:
    completion = _client(live, live.completion_key).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "complete"}]
    )
    assert completion.choices[0].message.content.startswith("Echo:")


def test_errors_are_openai_errors(live: LiveYarrow) -> None:
    with pytest.raises(openai.AuthenticationError):
        _client(live, "app-nopenopenopenopenopenope").models.list()
    client = _client(live, live.chat_key)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="m", messages=[])
    assert caught.value.status_code == 400
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "x"}],
            extra_headers={"X-Conversation-Id": "00000000-0000-0000-0000-000000000000"},
        )
