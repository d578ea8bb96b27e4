"""Fixtures for model-runtime unit tests.

``FakeUpstream`` is a mock of third-party model APIs (OpenAI, Azure OpenAI, Anthropic) that we
cannot run here: an ``httpx2.MockTransport`` that records every request and answers from a queue
of canned responses (recorded in the vendors' documented wire format).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from yarrow.models import ModelRuntime, ProviderContext
from yarrow.settings.models import ModelSettings

Answer = httpx2.Response | Callable[[httpx2.Request], httpx2.Response]


class FakeUpstream:
    """Mock of a vendor HTTP API: queue answers, then inspect ``requests``."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []
        self.answers: list[Answer] = []
        self.transport = httpx2.MockTransport(self._handle)

    def answer(self, *answers: Answer) -> FakeUpstream:
        self.answers.extend(answers)
        return self

    def json_body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self.answers:
            return httpx2.Response(599, json={"error": {"message": "no answer queued"}})
        answer = self.answers.pop(0)
        return answer(request) if callable(answer) else answer


def sse(events: list[Any], *, done: bool = True, named: bool = False) -> httpx2.Response:
    """A ``text/event-stream`` answer; ``named`` adds Anthropic-style ``event:`` lines."""
    lines = []
    for event in events:
        if named:
            lines.append(f"event: {event['type']}")
        lines.append(f"data: {json.dumps(event)}\n")
    if done:
        lines.append("data: [DONE]\n")
    body = "\n".join(lines) + "\n"
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)


@pytest.fixture
def upstream() -> FakeUpstream:
    return FakeUpstream()


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
def make_runtime(tmp_path: Path, upstream: FakeUpstream) -> Callable[..., ModelRuntime]:
    """Build a runtime whose HTTP goes to ``upstream`` and whose retries do not sleep."""

    def build(sink: Callable[[Any], None] | None = None, **settings: Any) -> ModelRuntime:
        values = {"yarrow_model_timeout": 5.0, "yarrow_model_max_retries": 2, **settings}
        context = ProviderContext(
            settings=ModelSettings(**values), data_dir=tmp_path, http_transport=upstream.transport
        )
        return ModelRuntime(context, usage_sink=sink, sleep=_no_sleep)

    return build
