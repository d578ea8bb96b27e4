"""Error translation from HTTP answers, error categories, and local token estimates."""

from __future__ import annotations

import pytest

from yarrow.errors import InvalidInput, QuotaExceeded, UpstreamUnavailable
from yarrow.models.errors import (
    CircuitOpenError,
    ContextTooLongError,
    ModelAuthError,
    ModelBadRequestError,
    ModelNotSupportedError,
    ModelQuotaError,
    ModelRateLimitError,
    ModelTimeoutError,
    ModelUnavailableError,
    error_for_status,
    parse_retry_after,
)
from yarrow.models.tokens import estimate_prompt_tokens, estimate_tokens
from yarrow.models.types import ChatMessage, ImagePart, TextPart, ToolCall


@pytest.mark.parametrize(
    ("status", "message", "code", "expected"),
    [
        (401, "Incorrect API key", None, ModelAuthError),
        (403, "forbidden", None, ModelAuthError),
        (402, "pay up", None, ModelQuotaError),
        (429, "You exceeded your current quota", "insufficient_quota", ModelQuotaError),
        (429, "slow down", "rate_limit_exceeded", ModelRateLimitError),
        (404, "model not found", None, ModelNotSupportedError),
        (408, "request timeout", None, ModelUnavailableError),
        (500, "boom", None, ModelUnavailableError),
        (529, "Overloaded", "overloaded_error", ModelUnavailableError),
        (400, "This model's maximum context length is 4096 tokens", None, ContextTooLongError),
        (400, "prompt is too long: 210000 tokens > 200000 maximum", None, ContextTooLongError),
        (400, "temperature must be <= 2", None, ModelBadRequestError),
        (422, "unprocessable", None, ModelBadRequestError),
    ],
)
def test_error_for_status_maps_each_answer(status, message, code, expected):
    error = error_for_status(status, message, code=code)
    assert type(error) is expected
    assert message in error.message


def test_categories_map_to_the_project_error_tree():
    assert isinstance(ModelAuthError(), InvalidInput)
    assert isinstance(ContextTooLongError(), InvalidInput)
    assert isinstance(ModelRateLimitError(), QuotaExceeded)
    assert isinstance(ModelQuotaError(), QuotaExceeded)
    assert isinstance(ModelTimeoutError(), UpstreamUnavailable)
    assert isinstance(CircuitOpenError(), UpstreamUnavailable)
    assert ModelAuthError.status == 400 and ModelUnavailableError.status == 503
    assert ModelRateLimitError.status == 429


def test_only_transient_errors_are_retryable():
    assert ModelUnavailableError.retryable and ModelTimeoutError.retryable
    assert ModelRateLimitError.retryable
    for kind in (
        ModelAuthError,
        ModelBadRequestError,
        ContextTooLongError,
        ModelQuotaError,
        ModelNotSupportedError,
        CircuitOpenError,
    ):
        assert not kind.retryable, kind


def test_rate_limit_keeps_retry_after():
    error = error_for_status(429, "slow", retry_after=parse_retry_after("3"))
    assert isinstance(error, ModelRateLimitError) and error.retry_after == 3.0


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("2", 2.0), ("0.5", 0.5), (None, None), ("Wed, 21 Oct 2015 07:28:00 GMT", None), ("-4", 0.0)],
)
def test_parse_retry_after(raw, seconds):
    assert parse_retry_after(raw) == seconds


def test_estimate_tokens_counts_words_cjk_and_punctuation():
    assert estimate_tokens("") == 0
    assert estimate_tokens("hello") == 1
    assert estimate_tokens("internationalisation") == 5
    assert estimate_tokens("a b c") == 3
    assert estimate_tokens("你好世界") == 4
    assert estimate_tokens("Hi, there!") == 4
    prose = "The quick brown fox jumps over the lazy dog near the river bank today. " * 10
    # real BPE counts for this sentence are ~15 tokens; allow the documented ~25 %
    assert 110 <= estimate_tokens(prose) <= 190


def test_estimate_prompt_tokens_adds_overhead_and_tool_calls():
    plain = [ChatMessage(role="user", content="hello")]
    with_call = [
        *plain,
        ChatMessage(role="assistant", tool_calls=[ToolCall(id="1", name="f", arguments='{"a":1}')]),
    ]
    assert estimate_prompt_tokens(plain) == 4 + 1
    assert estimate_prompt_tokens(with_call) > estimate_prompt_tokens(plain) + 4


def test_message_text_skips_images():
    message = ChatMessage(
        role="user",
        content=[TextPart(text="look "), ImagePart(url="https://x/y.png"), TextPart(text="here")],
    )
    assert message.text() == "look here"
    assert message.has_images()
    assert not ChatMessage(role="user", content="plain").has_images()
