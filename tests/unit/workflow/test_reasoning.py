"""Separated reasoning: <think> split across arbitrary chunk boundaries, and its events."""

from __future__ import annotations

import random
import re

import pytest

from tests.unit.workflow.conftest import FakeChat, graph, node
from yarrow.workflow import RunInfo, WorkflowEngine
from yarrow.workflow import WorkflowServices as Services
from yarrow.workflow.nodes.reasoning import ThinkSplitter

THINK = re.compile(r"<think>(.*?)</think>\s*", re.DOTALL)
SAMPLES = [
    "<think>step 1\nstep 2</think>\n\nThe answer is 4.",
    "no reasoning at all <thin but not a tag",
    "<think></think>   A",
    "a < b and <think>x<y</think> c",
    "<think>unterminated reasoning",
]


def split(text: str, rng: random.Random) -> list[str]:
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(0, 8))))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


@pytest.mark.parametrize("sample", SAMPLES)
def test_splitter_matches_whole_text_split_for_any_chunking(sample: str) -> None:
    expected_text = THINK.sub("", sample)
    expected_reasoning = "".join(THINK.findall(sample))
    if "<think>" in expected_text:  # unterminated: everything after the tag is reasoning
        head, _, tail = expected_text.partition("<think>")
        expected_text, expected_reasoning = head, expected_reasoning + tail
    rng = random.Random(sample)
    for _ in range(50):
        splitter = ThinkSplitter()
        parts = [splitter.feed(chunk) for chunk in split(sample, rng)] + [splitter.flush()]
        assert "".join(p[0] for p in parts) == expected_text
        assert "".join(p[1] for p in parts) == expected_reasoning


async def test_separated_reasoning_streams_clean_text_and_reasoning_events() -> None:
    chat = FakeChat(answers=["<think>let me think</think> Paris is the capital"])
    llm = node(
        "llm",
        "llm",
        model={"provider": "p", "name": "m"},
        reasoning_format="separated",
        prompt_template=[{"role": "user", "text": "q"}],
    )
    g = graph([node("s", "start"), llm, node("a", "answer", answer="{{#llm.text#}}")])
    run = WorkflowEngine(services=Services(chat=chat)).start(
        g, run=RunInfo("r", mode="advanced-chat")
    )
    events = [e async for e in run.events()]
    text = "".join(e.data()["text"] for e in events if e.name == "text_chunk")
    reasoning = [e.data() for e in events if e.name == "reasoning_chunk"]
    assert text == "Paris is the capital"
    assert "".join(r["reasoning"] for r in reasoning) == "let me think"
    assert reasoning[-1] == {
        "message_id": None,
        "reasoning": "",
        "node_id": "llm",
        "is_final": True,
    }
    finished = next(
        e.data() for e in events if e.name == "node_finished" and e.data()["node_id"] == "llm"
    )
    assert finished["outputs"]["text"] == "Paris is the capital"
    assert finished["outputs"]["reasoning_content"] == "let me think"


async def test_tagged_reasoning_keeps_think_in_text_and_emits_no_reasoning_events() -> None:
    chat = FakeChat(answers=["<think>hmm</think> ok"])
    llm = node(
        "llm",
        "llm",
        model={"provider": "p", "name": "m"},
        prompt_template=[{"role": "user", "text": "q"}],
    )
    g = graph([node("s", "start"), llm, node("a", "answer", answer="{{#llm.text#}}")])
    run = WorkflowEngine(services=Services(chat=chat)).start(g)
    events = [e async for e in run.events()]
    assert not [e for e in events if e.name == "reasoning_chunk"]
    assert "".join(e.data()["text"] for e in events if e.name == "text_chunk") == (
        "<think>hmm</think> ok"
    )
