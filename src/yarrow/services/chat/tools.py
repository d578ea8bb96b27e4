"""Built-in agent tools and the toolbox an agent-chat app gets from its ``agent_mode.tools``.

Tools are named as in Dify (provider ``time`` / tool ``current_time``, provider ``webscraper`` /
tool ``webscraper``). A web fetch goes through the SSRF-guarded client of ``yarrow.net`` only.
A tool failure becomes text for the model ("Error: ..."), never a failed request.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from yarrow.models.types import ToolDefinition
from yarrow.net import BlockedDestination, InvalidUrl
from yarrow.net.errors import FetchError

logger = logging.getLogger(__name__)
MAX_OBSERVATION_CHARS = 8000
_TAGS = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.S | re.I)
_SPACES = re.compile(r"\s+")


class AgentTool(Protocol):
    """A function an agent may call."""

    definition: ToolDefinition
    label: str

    async def invoke(self, arguments: dict[str, Any]) -> str:
        """Run the tool; the text returned is shown to the model as the observation."""


@dataclass
class CurrentTimeTool:
    """The current date and time in a time zone."""

    definition: ToolDefinition = ToolDefinition(
        name="current_time",
        description="Get the current date and time.",
        parameters={
            "type": "object",
            "properties": {
                "timezone": {"type": "string", "description": "IANA zone, e.g. Europe/Paris"}
            },
        },
    )
    label: str = "Current Time"
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def invoke(self, arguments: dict[str, Any]) -> str:
        """``YYYY-MM-DD HH:MM:SS ZONE``; an unknown zone is reported, UTC is used."""
        zone_name = str(arguments.get("timezone") or "UTC")
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            return f"Error: unknown time zone {zone_name!r}."
        return self.clock().astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


@dataclass
class WebFetchTool:
    """Fetch a public web page and return its text."""

    client_factory: Callable[[], httpx.AsyncClient]
    definition: ToolDefinition = ToolDefinition(
        name="webscraper",
        description="Fetch a public web page by URL and return its text.",
        parameters={
            "type": "object",
            "required": ["url"],
            "properties": {"url": {"type": "string", "description": "http(s) URL of the page"}},
        },
    )
    label: str = "Web Scraper"

    async def invoke(self, arguments: dict[str, Any]) -> str:
        """The page's text (tags removed, capped); refused or failed fetches are reported."""
        url = str(arguments.get("url") or "")
        if not url.startswith(("http://", "https://")):
            return "Error: url must be an http(s) URL."
        try:
            async with self.client_factory() as client:
                response = await client.get(url)
        except (BlockedDestination, InvalidUrl) as exc:
            return f"Error: this address may not be fetched ({exc})."
        except (FetchError, httpx.HTTPError) as exc:
            return f"Error: the page could not be fetched ({type(exc).__name__})."
        if response.status_code >= 400:
            return f"Error: the page answered HTTP {response.status_code}."
        text = _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", response.text))).strip()
        return text[:MAX_OBSERVATION_CHARS]


BuiltinFactory = Callable[[], AgentTool]


class ToolCatalog:
    """Built-in tools by ``(provider_id, tool_name)``."""

    def __init__(self, http_client_factory: Callable[[], httpx.AsyncClient]) -> None:
        self._builtins: dict[tuple[str, str], BuiltinFactory] = {
            ("time", "current_time"): CurrentTimeTool,
            ("webscraper", "webscraper"): lambda: WebFetchTool(http_client_factory),
        }

    def toolbox(self, agent_mode: dict[str, Any]) -> dict[str, AgentTool]:
        """The enabled, known tools of an app, by function name (unknown ones are logged)."""
        tools: dict[str, AgentTool] = {}
        if not agent_mode.get("enabled"):
            return tools
        for item in agent_mode.get("tools") or []:
            if not isinstance(item, dict) or item.get("enabled") is False:
                continue
            key = (
                str(item.get("provider_id") or item.get("provider_name") or ""),
                str(item.get("tool_name") or ""),
            )
            factory = self._builtins.get(key)
            if factory is None:
                logger.info("agent tool %s/%s is not available; skipped", *key)
                continue
            tool = factory()
            tools[tool.definition.name] = tool
        return tools


async def run_tool(tools: dict[str, AgentTool], name: str, arguments: str) -> tuple[str, str]:
    """``(observation, label)`` of calling ``name`` with JSON ``arguments``."""
    tool = tools.get(name)
    if tool is None:
        return f"Error: there is no tool named {name!r}.", name
    try:
        parsed = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return "Error: the tool arguments are not valid JSON.", tool.label
    if not isinstance(parsed, dict):
        return "Error: the tool arguments must be a JSON object.", tool.label
    return (await tool.invoke(parsed))[:MAX_OBSERVATION_CHARS], tool.label
