"""Server-sent events in Dify's framing.

Each event is ``data: <one-line JSON>\\n\\n``; while nothing else is sent, ``event: ping\\n\\n``
goes out every ``ping_interval`` seconds. The stream ends after the last event; a client that
disconnects cancels the producer, whose ``finally`` blocks run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse

PING = b"event: ping\n\n"


def encode_event(event: dict[str, Any]) -> bytes:
    """One SSE data frame."""
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return b"data: " + body.encode("utf-8") + b"\n\n"


async def frames(
    events: AsyncIterator[dict[str, Any]], ping_interval: float = 10.0
) -> AsyncIterator[bytes]:
    """Encoded frames of ``events`` with keep-alive pings."""
    pending: asyncio.Future[dict[str, Any]] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(events))
            done, _ = await asyncio.wait({pending}, timeout=ping_interval)
            if not done:
                yield PING
                continue
            try:
                event = pending.result()
            except StopAsyncIteration:
                pending = None
                return
            pending = None
            yield encode_event(event)
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


def sse_response(
    events: AsyncIterator[dict[str, Any]], ping_interval: float = 10.0
) -> StreamingResponse:
    """A ``text/event-stream`` response of ``events``."""
    return StreamingResponse(
        frames(events, ping_interval),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
