""":class:`HttpClient` over an ``httpx.AsyncClient`` (give it ``yarrow.net``'s SSRF-guarded one).

Per-request timeouts and bodies come from the node's :class:`HttpRequest`; ``ssl_verify=False``
needs a second client built without verification (``insecure``), because httpx fixes
verification per client. Transport errors become ``UpstreamUnavailable``, chained with ``from``;
errors that are already Yarrow errors (the SSRF guard's refusals) pass through unchanged.
"""

from __future__ import annotations

import httpx

from yarrow.errors import UpstreamUnavailable
from yarrow.workflow.ports import HttpRequest, HttpResponse


class HttpxHttpClient:
    """Sends node requests through the given clients; it does not own or close them."""

    def __init__(self, client: httpx.AsyncClient, *, insecure: httpx.AsyncClient | None = None):
        self._client = client
        self._insecure = insecure

    async def send(self, request: HttpRequest) -> HttpResponse:
        client = self._client if request.ssl_verify or self._insecure is None else self._insecure
        timeout = httpx.Timeout(
            request.timeout.read,
            connect=request.timeout.connect,
            read=request.timeout.read,
            write=request.timeout.write,
        )
        files = None
        data = None
        if request.multipart is not None:
            files = [
                (f.name, (f.filename, f.content, f.mime_type or "application/octet-stream"))
                for f in request.multipart
                if f.content is not None
            ]
            data = {f.name: f.value for f in request.multipart if f.content is None}
        elif request.form is not None:
            data = dict(request.form)
        headers = [(k, v) for k, v in request.headers]
        if files:  # httpx sets the multipart boundary itself
            headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        try:
            response = await client.request(
                request.method.upper(),
                request.url,
                headers=headers,
                params=list(request.params),
                content=request.content,
                data=data,
                files=files,
                timeout=timeout,
            )
        except httpx.TimeoutException as exc:
            raise UpstreamUnavailable(f"HTTP request timed out: {exc}") from exc
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"HTTP request failed: {exc}") from exc
        return HttpResponse(response.status_code, dict(response.headers), response.content)
