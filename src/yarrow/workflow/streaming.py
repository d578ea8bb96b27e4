"""Streams answer and end outputs as soon as their inputs are ready (Dify's response coordinator).

Contract: every answer node (its ``answer`` template) and end node (its output selectors, in order)
is a *session*. A session starts once its node is certain to run: some path from the root reaches
it through edges that are taken, or undecided edges leaving nodes that are not branches,
containers or response nodes (so text after an iteration waits for the iteration). One session is
active at a time, in the order they became certain, which keeps several answers in graph order.
The active session emits literal text at once, forwards streamed chunks of the variable it is
waiting for (LLM tokens), and emits a whole value when its producing node finishes. A session
whose node is skipped is dropped; when its node runs, the rest of it is flushed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from yarrow.workflow.events import TextChunk, WorkflowEvent
from yarrow.workflow.graph import CONTAINER_TYPES, Graph
from yarrow.workflow.variables import (
    RESERVED_NODE_IDS,
    Segment,
    TextSegment,
    VariablePool,
    VariableSegment,
    parse_template,
    to_text,
)

RESPONSE_TYPES = ("answer", "end")
TAKEN, SKIPPED = 1, 2


@dataclass
class _Session:
    node_id: str
    node_type: str
    segments: list[Segment]
    position: int = 0
    sent_chunks: int = 0
    flushing: bool = False


@dataclass
class ResponseCoordinator:
    graph: Graph
    pool: VariablePool
    edge_state: dict[str, int]
    emit: Callable[[WorkflowEvent], Awaitable[None]]
    answer_parts: list[str] = field(default_factory=list)
    _pending: dict[str, _Session] = field(default_factory=dict)
    _queue: list[_Session] = field(default_factory=list)
    _chunks: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    _done: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for node_id in self.graph.topological_order():
            spec = self.graph.nodes[node_id]
            if spec.type == "answer":
                segments = parse_template(str(spec.data.get("answer") or ""))
            elif spec.type == "end":
                segments = [
                    VariableSegment(tuple(str(s) for s in out.get("value_selector") or []))
                    for out in spec.data.get("outputs") or []
                    if isinstance(out, dict) and out.get("value_selector")
                ]
            else:
                continue
            self._pending[node_id] = _Session(node_id, spec.type, segments)

    @property
    def active(self) -> bool:
        return bool(self._pending or self._queue)

    async def start(self) -> None:
        await self._refresh()

    async def on_chunk(self, node_id: str, variable: str, text: str) -> None:
        self._chunks.setdefault((node_id, variable), []).append(text)
        await self._advance()

    def _blocking(self, node_id: str) -> bool:
        """Nodes whose undecided out-edges block certainty: branches, containers, responses."""
        spec = self.graph.nodes[node_id]
        return spec.is_branch or spec.type in CONTAINER_TYPES or spec.type in RESPONSE_TYPES

    async def on_finished(self, node_id: str) -> None:
        self._done.add(node_id)
        session = self._pending.pop(node_id, None)
        if session is not None:
            self._queue.append(session)
        for queued in self._queue:
            if queued.node_id == node_id:
                queued.flushing = True
        if self._blocking(node_id):
            await self._refresh()
        else:
            await self._advance()

    async def on_skipped(self, node_ids: list[str]) -> None:
        for node_id in node_ids:
            self._done.add(node_id)
            self._pending.pop(node_id, None)
        await self._refresh()

    # -- internals -----------------------------------------------------------------------
    async def _refresh(self) -> None:
        for node_id in [n for n in self._pending if self._certain(n)]:
            self._queue.append(self._pending.pop(node_id))
        await self._advance()

    def _certain(self, node_id: str) -> bool:
        """Some path from the root reaches ``node_id`` over taken edges, or undecided edges
        leaving non-branch nodes (searched backwards, iteratively)."""
        stack, seen = [node_id], {node_id}
        while stack:
            current = stack.pop()
            if current == self.graph.root_id:
                return True
            for edge in self.graph.in_edges[current]:
                state = self.edge_state.get(edge.id, 0)
                if state == TAKEN:
                    return True
                source = edge.source
                if state == 0 and source not in seen and not self._blocking(source):
                    seen.add(source)
                    stack.append(source)
        return False

    async def _advance(self) -> None:
        while self._queue:
            session = self._queue[0]
            if not await self._advance_session(session):
                return
            self._queue.pop(0)

    async def _advance_session(self, session: _Session) -> bool:
        """Emit what can be emitted; True when the session is complete."""
        while session.position < len(session.segments):
            segment = session.segments[session.position]
            if isinstance(segment, TextSegment):
                await self._text(session, segment.text, None)
                session.position += 1
                continue
            selector = list(segment.selector)
            key = (selector[0], selector[1]) if len(selector) >= 2 else ("", "")
            chunks = self._chunks.get(key) if len(selector) == 2 else None
            ready = session.flushing or key[0] in self._done or key[0] in RESERVED_NODE_IDS
            if chunks is not None:
                for chunk in chunks[session.sent_chunks :]:
                    await self._text(session, chunk, selector)
                session.sent_chunks = len(chunks)
            if not ready:
                return False
            if chunks is None:
                await self._text(session, to_text(self.pool.get(selector)), selector)
            session.position += 1
            session.sent_chunks = 0
        return True

    async def _text(self, session: _Session, text: str, selector: list[str] | None) -> None:
        if not text:
            return
        if session.node_type == "answer":
            self.answer_parts.append(text)
        await self.emit(TextChunk(text, selector, session.node_id, session.node_type))
