"""The agent loop of agent-chat apps: function calling, with ReAct for models without it.

Each round asks the model with the tool definitions. Tool calls are run (through
:func:`run_tool`, failures become observations), reported as ``agent_thought`` events and fed
back; text is streamed as ``agent_message`` deltas. After ``max_iteration`` rounds the model is
asked once more without tools, so a run always ends with an answer.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from yarrow.models import ChatMessage, ChatOptions
from yarrow.models.resilient import ResilientChatModel
from yarrow.models.types import ToolCall, Usage
from yarrow.services.chat.tools import AgentTool, run_tool

DEFAULT_MAX_ITERATIONS = 5
MAX_ITERATIONS = 20
_REACT_ACTION = re.compile(r"Action:\s*(\{.*\})", re.S)
_REACT_FINAL = re.compile(r"Final Answer:\s*(.*)", re.S)


@dataclass
class AgentRun:
    """State of one agent answer, shared with the generation that owns it."""

    model: ResilientChatModel
    tools: dict[str, AgentTool]
    options: ChatOptions
    max_iterations: int = DEFAULT_MAX_ITERATIONS
    thoughts: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)

    def add_usage(self, usage: Usage | None) -> None:
        """Sum token usage over the rounds."""
        if usage is not None:
            self.usage = Usage(
                prompt_tokens=self.usage.prompt_tokens + usage.prompt_tokens,
                completion_tokens=self.usage.completion_tokens + usage.completion_tokens,
                latency_s=usage.latency_s,
            )


def max_iterations(agent_mode: dict[str, Any]) -> int:
    """The app's iteration limit (Dify's ``max_iteration``), clamped to 1..20."""
    try:
        value = int(agent_mode.get("max_iteration") or DEFAULT_MAX_ITERATIONS)
    except (TypeError, ValueError):
        value = DEFAULT_MAX_ITERATIONS
    return max(1, min(MAX_ITERATIONS, value))


def _thought(run: AgentRun, thought: str, calls: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    """An agent_thought record: calls are (name, label, arguments, observation)."""
    record = {
        "id": str(uuid.uuid4()),
        "position": len(run.thoughts) + 1,
        "thought": thought,
        "tool": ";".join(c[0] for c in calls),
        "tool_labels": {c[0]: {"en_US": c[1]} for c in calls},
        "tool_input": json.dumps({c[0]: _loads(c[2]) for c in calls}, ensure_ascii=False),
        "observation": json.dumps({c[0]: c[3] for c in calls}, ensure_ascii=False),
        "message_files": [],
    }
    run.thoughts.append(record)
    return record


def _loads(text: str) -> Any:
    try:
        return json.loads(text or "{}")
    except json.JSONDecodeError:
        return text


async def function_calling(
    run: AgentRun, messages: list[ChatMessage]
) -> AsyncIterator[tuple[str, Any]]:
    """Yields ``("text", delta)`` and ``("thought", record)`` until the model answers."""
    history = list(messages)
    tools = [t.definition for t in run.tools.values()]
    for round_number in range(run.max_iterations + 1):
        last = round_number == run.max_iterations
        options = run.options.model_copy(update={"tools": [] if last else tools})
        text: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        async for delta in run.model.stream(history, options):
            run.add_usage(delta.usage)
            if delta.content:
                text.append(delta.content)
                yield "text", delta.content
            for part in delta.tool_calls:
                slot = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
                slot["id"] = part.id or slot["id"]
                slot["name"] = part.name or slot["name"]
                slot["arguments"] += part.arguments
        if not calls or last:
            return
        tool_calls = [
            ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"])
            for i, c in sorted(calls.items())
        ]
        history.append(ChatMessage(role="assistant", content="".join(text), tool_calls=tool_calls))
        results = []
        for call in tool_calls:
            observation, label = await run_tool(run.tools, call.name, call.arguments)
            history.append(ChatMessage(role="tool", content=observation, tool_call_id=call.id))
            results.append((call.name, label, call.arguments, observation))
        yield "thought", _thought(run, "".join(text), results)


def react_instructions(tools: dict[str, AgentTool]) -> str:
    """The system text that teaches a model without tool calling the ReAct format."""
    described = "\n".join(
        f"- {t.definition.name}: {t.definition.description} "
        f"(input: {json.dumps(t.definition.parameters)})"
        for t in tools.values()
    )
    return (
        "You can use these tools:\n" + described + "\n\nTo use a tool, answer exactly:\n"
        'Thought: <your reasoning>\nAction: {"action": "<tool name>", "action_input": '
        "{...}}\n\nWhen you know the answer, answer:\nFinal Answer: <the answer>"
    )


async def react(run: AgentRun, messages: list[ChatMessage]) -> AsyncIterator[tuple[str, Any]]:
    """ReAct rounds for models without tool calling; the final answer is yielded as text."""
    history = [ChatMessage(role="system", content=react_instructions(run.tools)), *messages]
    for round_number in range(run.max_iterations + 1):
        reply = await run.model.chat(history, run.options)
        run.add_usage(reply.usage)
        content = reply.message.content if isinstance(reply.message.content, str) else ""
        action = _REACT_ACTION.search(content)
        if round_number == run.max_iterations or action is None:
            final = _REACT_FINAL.search(content)
            yield "text", (final.group(1) if final else content).strip()
            return
        parsed = _loads(action.group(1))
        name = str(parsed.get("action", "")) if isinstance(parsed, dict) else ""
        arguments = json.dumps(parsed.get("action_input", {})) if isinstance(parsed, dict) else ""
        observation, label = await run_tool(run.tools, name, arguments)
        thought = content[: action.start()].replace("Thought:", "").strip()
        yield "thought", _thought(run, thought, [(name, label, arguments, observation)])
        history += [
            ChatMessage(role="assistant", content=content),
            ChatMessage(role="user", content=f"Observation: {observation}"),
        ]
