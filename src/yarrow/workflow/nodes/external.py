"""knowledge-retrieval, tool, agent and document-extractor: thin nodes over injected runtimes.

Tool and agent parameters are ``{name: {type, value}}``: ``mixed`` values are templates,
``variable`` values are selectors, ``constant`` values are taken as they are. Tool configurations
come in mixed shapes across DSL versions (plain values or ``{type, value}``); both are accepted.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from yarrow.workflow.errors import NodeConfigError, NodeRunError
from yarrow.workflow.nodes.base import Node, NodeContext, NodeResult, as_selector, register, service
from yarrow.workflow.ports import AgentRequest, RetrievalRequest, ToolRequest
from yarrow.workflow.variables import VariablePool, is_file, to_text


def resolve_parameters(params: Any, pool: VariablePool) -> dict[str, Any]:
    """Resolve ``{name: {type: mixed|variable|constant, value}}`` against the pool."""
    resolved: dict[str, Any] = {}
    if not isinstance(params, Mapping):
        return resolved
    for name, spec in params.items():
        if not isinstance(spec, Mapping) or "type" not in spec:
            resolved[str(name)] = spec
            continue
        kind, value = spec.get("type"), spec.get("value")
        if kind == "variable":
            resolved[str(name)] = pool.get(as_selector(value))
        elif kind == "mixed" and isinstance(value, str):
            resolved[str(name)] = pool.render(value)
        else:
            resolved[str(name)] = value
    return resolved


@register
class KnowledgeRetrievalNode(Node):
    type = "knowledge-retrieval"
    supports_retry = True
    supports_error_strategy = True

    async def run(self, ctx: NodeContext) -> NodeResult:
        query = to_text(ctx.pool.get(as_selector(self.data.get("query_variable_selector"))))
        if not query.strip():
            return NodeResult(outputs={"result": []}, inputs={"query": query})
        retriever = service(ctx.services.knowledge, "knowledge retriever", self)
        mode = str(self.data.get("retrieval_mode") or "multiple")
        config = self.data.get("multiple_retrieval_config") or {}
        if not isinstance(config, Mapping):
            config = {}
        threshold = (
            config.get("score_threshold")
            if config.get("score_threshold_enabled", config.get("score_threshold") is not None)
            else None
        )
        request = RetrievalRequest(
            query=query,
            dataset_ids=[str(d) for d in self.data.get("dataset_ids") or []],
            mode=mode,
            top_k=int(config.get("top_k") or 4),
            score_threshold=float(threshold) if threshold is not None else None,
            config=self._config(ctx),
            user_id=ctx.run.user_id,
            app_id=ctx.run.app_id,
        )
        items = await retriever.retrieve(request)
        for position, item in enumerate(items, start=1):
            item.setdefault("metadata", {}).setdefault("position", position)
        return NodeResult(outputs={"result": items}, inputs={"query": query})

    def _config(self, ctx: NodeContext) -> dict[str, Any]:
        """The node's settings, with metadata-filter values rendered (they may be templates)."""
        config = {
            k: copy.deepcopy(v) for k, v in self.data.items() if k not in ("title", "desc", "type")
        }
        filters = config.get("metadata_filtering_conditions")
        if isinstance(filters, dict):
            for condition in filters.get("conditions") or []:
                if isinstance(condition, dict) and isinstance(condition.get("value"), str):
                    condition["value"] = ctx.pool.render(condition["value"])
        return config


@register
class ToolNode(Node):
    type = "tool"
    supports_retry = True
    supports_error_strategy = True

    async def run(self, ctx: NodeContext) -> NodeResult:
        invoker = service(ctx.services.tools, "tool runtime", self)
        name = str(self.data.get("tool_name") or "")
        provider = str(self.data.get("provider_id") or self.data.get("provider_name") or "")
        if not name or not provider:
            raise NodeConfigError(f"Node {self.spec.title!r} does not name its tool.")
        parameters = resolve_parameters(self.data.get("tool_parameters"), ctx.pool)
        configurations = resolve_parameters(self.data.get("tool_configurations"), ctx.pool)
        result = await invoker.invoke(
            ToolRequest(
                provider_type=str(self.data.get("provider_type") or "builtin"),
                provider_id=provider,
                tool_name=name,
                parameters=parameters,
                configurations=configurations,
                credential_id=self.data.get("credential_id"),
                user_id=ctx.run.user_id,
                call_depth=ctx.run.call_depth,
            )
        )
        outputs = {
            "text": result.text,
            "files": result.files,
            "json": result.json,
            **result.variables,
        }
        return NodeResult(outputs=outputs, inputs=parameters)


@register
class AgentNode(Node):
    type = "agent"
    supports_retry = True
    supports_error_strategy = True

    async def run(self, ctx: NodeContext) -> NodeResult:
        runner = service(ctx.services.agents, "agent runtime", self)
        strategy = str(self.data.get("agent_strategy_name") or "")
        if not strategy:
            raise NodeConfigError(f"Node {self.spec.title!r} has no agent strategy.")
        parameters = resolve_parameters(self.data.get("agent_parameters"), ctx.pool)
        result = await runner.run(
            AgentRequest(
                strategy_provider=str(self.data.get("agent_strategy_provider_name") or ""),
                strategy=strategy,
                parameters=parameters,
                user_id=ctx.run.user_id,
                conversation_id=ctx.pool.get(["sys", "conversation_id"]),
                call_depth=ctx.run.call_depth,
            )
        )
        if result.text:
            await ctx.stream("text", result.text)
        outputs = {
            "text": result.text,
            "files": result.files,
            "json": result.json,
            "usage": result.usage.as_dict() if result.usage else {},
        }
        return NodeResult(outputs=outputs, inputs=parameters, usage=result.usage)


@register
class DocumentExtractorNode(Node):
    type = "document-extractor"
    supports_retry = True
    supports_error_strategy = True

    async def run(self, ctx: NodeContext) -> NodeResult:
        value = ctx.pool.get(self.selector("variable_selector"))
        reader = service(ctx.services.files, "file reader", self)
        if value is None:
            raise NodeRunError("document-extractor input is empty.")
        if isinstance(value, list):
            texts = []
            for file in value:
                if not is_file(file):
                    raise NodeRunError("document-extractor input must be files.")
                texts.append(await reader.extract_text(file))
            return NodeResult(outputs={"text": texts})
        if not is_file(value):
            raise NodeRunError("document-extractor input must be a file.")
        return NodeResult(outputs={"text": await reader.extract_text(value)})
