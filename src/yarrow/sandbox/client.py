"""Client of a dify-sandbox compatible service (ours or Dify's), used by the workflow code node.

Timeouts come from ``CODE_EXECUTION_*_TIMEOUT``; a 503 (the sandbox is full) or a failed connect is
retried with jittered backoff, since neither can have run the code. Every failure becomes an error
of :mod:`yarrow.errors`: :class:`SandboxUnavailable` (unreachable, timed out, overloaded, nonsense
answer), :class:`SandboxRejected` (wrong key, bad request, unsupported language) and
:class:`CodeExecutionError` (the code ran and failed).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

import httpx

from yarrow.sandbox.errors import CodeExecutionError, SandboxRejected, SandboxUnavailable


@dataclass(frozen=True)
class ExecutionResult:
    """``data`` of a run response: the program's stdout and its ``error`` text."""

    stdout: str
    error: str


@dataclass(frozen=True)
class Dependency:
    """A package the sandbox's python3 runtime can import."""

    name: str
    version: str


class SandboxClient:
    """Async client; one per process, closed with :meth:`aclose`.

    Args:
        endpoint: base URL (``CODE_EXECUTION_ENDPOINT``).
        api_key: the shared key (``CODE_EXECUTION_API_KEY``).
        connect_timeout, read_timeout, write_timeout: seconds (``CODE_EXECUTION_*_TIMEOUT``).
        retries: extra attempts after a 503 or a failed connect.
        backoff: base delay in seconds, doubled per attempt, with full jitter.
        transport: an httpx transport (tests, or a custom TLS setup).
    """

    def __init__(
        self,
        endpoint: str,
        api_key: str,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        write_timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.2,
        max_connections: int = 100,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        timeout = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=write_timeout, pool=connect_timeout
        )
        self._http = httpx.AsyncClient(
            base_url=endpoint.rstrip("/"),
            headers={"X-Api-Key": api_key},
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections),
            transport=transport,
        )
        self._retries = max(0, retries)
        self._backoff = backoff

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def run(
        self, language: str, code: str, *, preload: str = "", enable_network: bool = True
    ) -> ExecutionResult:
        """Run ``code``; returns stdout and error text without judging them.

        Raises:
            SandboxUnavailable: unreachable, timed out, still busy after the retries, or a
                malformed answer.
            SandboxRejected: the key was refused or the request was invalid.
        """
        body = {
            "language": language,
            "code": code,
            "preload": preload,
            "enable_network": enable_network,
        }
        data = await self._call("POST", "/v1/sandbox/run", json=body)
        if not isinstance(data, dict) or not isinstance(data.get("stdout", ""), str):
            raise SandboxUnavailable("The code sandbox answered without a run result.")
        return ExecutionResult(stdout=data.get("stdout") or "", error=data.get("error") or "")

    async def execute(
        self, language: str, code: str, *, preload: str = "", enable_network: bool = True
    ) -> str:
        """Run ``code`` as Dify's code executor does: its stdout, or an error if it wrote any.

        Raises:
            CodeExecutionError: the run reported an error (stderr output or a limit).
            SandboxUnavailable, SandboxRejected: as :meth:`run`.
        """
        result = await self.run(language, code, preload=preload, enable_network=enable_network)
        if result.error:
            raise CodeExecutionError(result.error)
        return result.stdout

    async def dependencies(self, language: str = "python3") -> list[Dependency]:
        """Packages the runtime of ``language`` can import."""
        data = await self._call("GET", "/v1/sandbox/dependencies", params={"language": language})
        items = data.get("dependencies") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise SandboxUnavailable("The code sandbox answered without a dependency list.")
        return [Dependency(str(i.get("name", "")), str(i.get("version", ""))) for i in items]

    async def healthy(self) -> bool:
        """Whether ``GET /health`` answers 200 (never raises)."""
        try:
            response = await self._http.get("/health")
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                response = await self._http.request(method, path, **kwargs)
            except httpx.ConnectError as exc:
                if last:
                    raise SandboxUnavailable(f"Cannot reach the code sandbox: {exc}") from exc
            except httpx.TimeoutException as exc:
                raise SandboxUnavailable(
                    f"The code sandbox timed out ({type(exc).__name__})."
                ) from exc
            except httpx.HTTPError as exc:
                raise SandboxUnavailable(f"Code sandbox request failed: {exc}") from exc
            else:
                if response.status_code != 503:
                    return _payload(response)
                if last:
                    raise SandboxUnavailable(
                        "The code sandbox is busy (HTTP 503); try again later."
                    )
            await asyncio.sleep(random.uniform(0, self._backoff * (2**attempt)))
        raise AssertionError("unreachable")  # pragma: no cover


def _payload(response: httpx.Response) -> Any:
    """``data`` of a dify-sandbox answer, or the error it describes."""
    try:
        body = response.json()
    except ValueError as exc:
        raise SandboxUnavailable(
            f"The code sandbox answered HTTP {response.status_code} with a non-JSON body."
        ) from exc
    message = body.get("message", "") if isinstance(body, dict) else ""
    if response.status_code == 401:
        raise SandboxRejected("The code sandbox rejected CODE_EXECUTION_API_KEY.")
    if response.status_code in (400, 413):
        raise SandboxRejected(f"The code sandbox rejected the request: {message}")
    if response.status_code != 200 or not isinstance(body, dict):
        raise SandboxUnavailable(f"The code sandbox failed with HTTP {response.status_code}.")
    code = body.get("code")
    if code == 0:
        return body.get("data")
    if code in (-500, -503, -429):  # internal error, overloaded, uid pool exhausted (Dify's)
        raise SandboxUnavailable(f"The code sandbox failed: {message or code}")
    raise SandboxRejected(f"The code sandbox refused the run: {message or code}")
