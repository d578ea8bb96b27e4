"""Knowledge for chat, completion and agent apps: Dify's ``dataset_configs`` -> context + citations.

:meth:`AppKnowledge.context` never raises for a retrieval problem: the app answers without
context, the reason is logged and returned in :attr:`AppContext.notes` (the chat service puts it
in ``message_end.metadata``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yarrow.db.base import unix_seconds
from yarrow.errors import YarrowError
from yarrow.models import ChatMessage
from yarrow.services.knowledge.retrieval import RetrievedSegment
from yarrow.services.knowledge.service import KnowledgeService

logger = logging.getLogger(__name__)
CONTEXT_PREAMBLE = (
    "Use the following context as your learned knowledge, inside <context></context> XML tags."
)


@dataclass
class AppContext:
    """Retrieved context for one answer."""

    records: list[RetrievedSegment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def resources(self) -> list[dict[str, Any]]:
        """Dify's ``retriever_resources`` entries, best first."""
        return [
            {
                "position": position,
                "dataset_id": r.dataset.id,
                "dataset_name": r.dataset.name,
                "document_id": r.document.id,
                "document_name": r.document.name,
                "data_source_type": r.document.data_source_type,
                "segment_id": r.segment.id,
                "retriever_from": "api",
                "score": r.score,
                "hit_count": r.segment.hit_count,
                "word_count": r.segment.word_count,
                "segment_position": r.segment.position,
                "index_node_hash": r.segment.text_hash,
                "content": r.segment.content,
                "created_at": unix_seconds(r.segment.created_at),
            }
            for position, r in enumerate(self.records, start=1)
        ]

    def apply(self, prompt: list[ChatMessage]) -> list[ChatMessage]:
        """``prompt`` with the context added to its system message (or first message)."""
        if not self.records:
            return prompt
        block = "\n".join(
            [
                CONTEXT_PREAMBLE,
                "<context>",
                *(r.segment.content for r in self.records),
                "</context>",
            ]
        )
        if prompt and prompt[0].role in ("system", "user") and isinstance(prompt[0].content, str):
            first = prompt[0]
            merged = ChatMessage(role=first.role, content=f"{block}\n\n{first.content}")
            return [merged, *prompt[1:]]
        return [ChatMessage(role="system", content=block), *prompt]


def dataset_ids(configs: Mapping[str, Any]) -> list[str]:
    """Enabled dataset ids of Dify's ``dataset_configs.datasets.datasets[].dataset``."""
    holder = configs.get("datasets")
    items = holder.get("datasets") if isinstance(holder, Mapping) else None
    out: list[str] = []
    for item in items if isinstance(items, list) else []:
        dataset = item.get("dataset") if isinstance(item, Mapping) else None
        enabled = isinstance(dataset, Mapping) and dataset.get("enabled", True)
        if enabled and isinstance(dataset, Mapping) and isinstance(dataset.get("id"), str):
            out.append(dataset["id"])
    return out


class AppKnowledge:
    """Retrieves an app's context through :class:`KnowledgeService`."""

    def __init__(self, knowledge: KnowledgeService) -> None:
        self._knowledge = knowledge

    async def context(
        self, tenant_id: str, configs: Mapping[str, Any], query: str, end_user_id: str
    ) -> AppContext:
        """Context for ``query``; empty when the app has no datasets or the query is empty."""
        ids = dataset_ids(configs)
        if not ids or not query.strip():
            return AppContext()
        retrieval = {
            "search_method": configs.get("search_method") or None,
            "top_k": configs.get("top_k") or None,
            "score_threshold_enabled": configs.get("score_threshold_enabled"),
            "score_threshold": configs.get("score_threshold"),
            "weights": configs.get("weights"),
        }
        retrieval = {k: v for k, v in retrieval.items() if v is not None}
        try:
            result, _ = await self._knowledge.retrieve(
                tenant_id,
                ids,
                query,
                retrieval,
                source="app",
                created_by=end_user_id,
                created_by_role="end_user",
            )
        except YarrowError as exc:
            logger.warning("knowledge retrieval failed; answering without context: %s", exc)
            return AppContext(notes=[f"knowledge retrieval failed: {exc}"])
        for note in result.degraded:
            logger.warning("knowledge retrieval degraded: %s", note)
        return AppContext(records=result.records, notes=list(result.degraded))
