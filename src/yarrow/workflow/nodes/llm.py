"""The llm node and the prompt building it shares with classifier and extractor nodes.

Contract (Dify §6.2): ``prompt_template`` is a list of chat messages (or one completion text);
``basic`` messages are ``{{#...#}}`` templates, ``jinja2`` ones render ``jinja2_text`` with
``prompt_config.jinja2_variables`` in the sandbox. ``{{#context#}}`` is replaced by the context
(retrieval items' ``content`` joined by newlines). With ``memory``, past turns (window) follow
the template, then the query (``query_prompt_template``, default ``{{#sys.query#}}``). With
``vision``, files become image parts of the last user message. Tokens stream to answers as they
arrive; ``reasoning_format: separated`` moves ``<think>`` blocks into ``reasoning_content``;
``structured_output_enabled`` asks for the schema and parses ``structured_output``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from yarrow.workflow.errors import NodeConfigError, NodeRunError
from yarrow.workflow.events import ReasoningChunk, TokenUsage
from yarrow.workflow.nodes.base import Node, NodeContext, NodeResult, as_selector, register, service
from yarrow.workflow.nodes.reasoning import ThinkSplitter
from yarrow.workflow.nodes.transform import render_jinja2
from yarrow.workflow.ports import ChatMessage, ChatRequest, ToolCall
from yarrow.workflow.variables import is_file


def context_text(value: Any) -> str:
    """The LLM context slot: retrieval items' content (summary first), or plain text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, Mapping) and "content" in item:
                summary = item.get("summary")
                parts.append(f"{summary}\n{item['content']}" if summary else str(item["content"]))
            else:
                parts.append(str(item))
        return "\n".join(parts)
    return json.dumps(value, ensure_ascii=False)


class ModelNode(Node):
    """Shared by nodes that call a chat model."""

    supports_retry = True
    supports_error_strategy = True

    def model(self) -> Mapping[str, Any]:
        model = self.data.get("model")
        if not isinstance(model, Mapping) or not model.get("name"):
            raise NodeConfigError(f"Node {self.spec.title!r} has no model configured.")
        return model

    def request(self, ctx: NodeContext, messages: list[ChatMessage], **extra: Any) -> ChatRequest:
        model = self.model()
        params = dict(model.get("completion_params") or {})
        stop = params.pop("stop", None) or []
        return ChatRequest(
            str(model.get("provider") or ""),
            str(model["name"]),
            messages,
            str(model.get("mode") or "chat"),
            params,
            list(stop),
            user=ctx.run.user_id,
            **extra,
        )

    async def history(self, ctx: NodeContext) -> list[ChatMessage]:
        memory = self.data.get("memory")
        conversation_id = ctx.pool.get(["sys", "conversation_id"])
        if not isinstance(memory, Mapping) or not conversation_id or ctx.services.memory is None:
            return []
        window = memory.get("window") or {}
        size = int(window.get("size") or 50) if window.get("enabled") else None
        return await ctx.services.memory.history(str(conversation_id), size)

    async def invoke(
        self,
        ctx: NodeContext,
        request: ChatRequest,
        stream_as: str | None = None,
        separate_reasoning: bool = False,
    ) -> tuple[str, str, list[ToolCall], TokenUsage]:
        """Call the model; with ``separate_reasoning``, ``<think>`` text (and the model's own
        reasoning deltas) go to ``reasoning_chunk`` events and out of the returned text."""
        chat = service(ctx.services.chat, "chat model runtime", self)
        text: list[str] = []
        reasoning: list[str] = []
        calls: list[ToolCall] = []
        usage = TokenUsage()
        splitter = ThinkSplitter() if separate_reasoning else None

        async def publish(piece: str, thought: str) -> None:
            if piece:
                text.append(piece)
                if stream_as is not None:
                    await ctx.stream(stream_as, piece)
            if thought:
                reasoning.append(thought)
                if splitter is not None:
                    await ctx.emit(ReasoningChunk(thought, self.spec.id))

        async for chunk in chat.stream(request):
            piece, thought = splitter.feed(chunk.delta) if splitter else (chunk.delta, "")
            await publish(piece, chunk.reasoning + thought)
            calls.extend(chunk.tool_calls)
            if chunk.usage is not None:
                usage = chunk.usage
        if splitter is not None:
            await publish(*splitter.flush())
            await ctx.emit(ReasoningChunk("", self.spec.id, is_final=True))
        return "".join(text), "".join(reasoning), calls, usage


@register
class LlmNode(ModelNode):
    type = "llm"

    async def run(self, ctx: NodeContext) -> NodeResult:
        context = ""
        ctx_config = self.data.get("context") or {}
        if isinstance(ctx_config, Mapping) and ctx_config.get("enabled"):
            context = context_text(ctx.pool.get(as_selector(ctx_config.get("variable_selector"))))
        messages = self.prompt_messages(ctx, context)
        messages += await self.history(ctx)
        memory = self.data.get("memory")
        if isinstance(memory, Mapping) and ctx.run.mode == "advanced-chat":
            query = str(memory.get("query_prompt_template") or "{{#sys.query#}}")
            rendered = ctx.pool.render(query).replace("{{#context#}}", context)
            if rendered:
                messages.append(ChatMessage("user", rendered))
        messages = await self.attach_vision(ctx, messages)
        schema = None
        if self.data.get("structured_output_enabled"):
            structured = self.data.get("structured_output") or {}
            schema = structured.get("schema") if isinstance(structured, Mapping) else None
            if isinstance(schema, str):  # some exports store the schema as JSON text
                try:
                    schema = json.loads(schema)
                except json.JSONDecodeError as exc:
                    raise NodeConfigError("structured_output.schema is not valid JSON.") from exc
        request = self.request(ctx, messages, json_schema=schema)
        separated = self.data.get("reasoning_format") == "separated"
        text, reasoning, _, usage = await self.invoke(ctx, request, "text", separated)
        outputs: dict[str, Any] = {
            "text": text,
            "reasoning_content": reasoning,
            "usage": usage.as_dict(),
            "finish_reason": "stop",
        }
        if schema is not None:
            outputs["structured_output"] = parse_json_object(text)
        return NodeResult(
            outputs=outputs, usage=usage, process_data={"prompts": [m.__dict__ for m in messages]}
        )

    def prompt_messages(self, ctx: NodeContext, context: str) -> list[ChatMessage]:
        template = self.data.get("prompt_template")
        jinja_vars = {}
        config = self.data.get("prompt_config") or {}
        if isinstance(config, Mapping):
            for item in config.get("jinja2_variables") or []:
                if isinstance(item, Mapping) and item.get("variable"):
                    jinja_vars[str(item["variable"])] = ctx.pool.get(
                        as_selector(item.get("value_selector"))
                    )
        items = (
            template
            if isinstance(template, list)
            else [{"role": "user", **(template if isinstance(template, Mapping) else {})}]
        )
        messages = []
        for item in items:
            if not isinstance(item, Mapping):
                continue
            if item.get("edition_type") == "jinja2":
                text = render_jinja2(str(item.get("jinja2_text") or ""), jinja_vars)
            else:
                # Render first: retrieved context must never be rendered as a template.
                text = ctx.pool.render(str(item.get("text") or ""))
                text = text.replace("{{#context#}}", context)
            messages.append(ChatMessage(str(item.get("role") or "user"), text))
        return messages

    async def attach_vision(
        self, ctx: NodeContext, messages: list[ChatMessage]
    ) -> list[ChatMessage]:
        vision = self.data.get("vision") or {}
        if not isinstance(vision, Mapping) or not vision.get("enabled"):
            return messages
        configs = vision.get("configs") or {}
        selector = as_selector(configs.get("variable_selector")) or ["sys", "files"]
        files = ctx.pool.get(selector)
        files = [f for f in (files if isinstance(files, list) else [files]) if is_file(f)]
        parts: list[dict[str, Any]] = []
        for file in files:
            if file.get("type") not in (None, "image"):
                continue
            url = file.get("url") or file.get("remote_url")
            if url:
                parts.append(
                    {
                        "type": "image_url",
                        "image_url": {"url": url, "detail": configs.get("detail") or "high"},
                    }
                )
        if not parts:
            return messages
        for index in range(len(messages) - 1, -1, -1):
            if messages[index].role == "user":
                content = messages[index].content
                text_part = (
                    [{"type": "text", "text": content}]
                    if isinstance(content, str)
                    else (list(content))
                )
                messages[index] = ChatMessage("user", text_part + parts)
                return messages
        return [*messages, ChatMessage("user", parts)]


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in a model answer (code fences and prose around it allowed)."""
    start = text.find("{")
    while start != -1:
        try:
            value, _ = json.JSONDecoder().raw_decode(text[start:])
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    raise NodeRunError("The model did not answer with a JSON object.")
