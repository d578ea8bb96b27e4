"""The http-request node, sent through the injected SSRF-safe :class:`HttpClient`.

Contract (Dify §6.2): url, headers and params (``key:value`` lines) and bodies are templates.
Authorization ``api-key`` adds ``Authorization: Bearer <key>``, ``Basic <base64>`` or a custom
header. Body types: none, json, raw-text, x-www-form-urlencoded, form-data (text and file items)
and binary (a file variable); a legacy string ``data`` is accepted. A non-2xx answer fails the node
only when it has retries or an error strategy (as Dify), otherwise it is an ordinary output.
A file answer (an attachment, or a non-text content type) is saved through the ``file_store``
collaborator and returned in ``files`` with an empty ``body``; without a store it stays text.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from yarrow.workflow.errors import NodeConfigError, NodeRunError
from yarrow.workflow.nodes.base import Node, NodeContext, NodeResult, as_selector, register, service
from yarrow.workflow.ports import HttpRequest, HttpTimeout, MultipartField
from yarrow.workflow.variables import VariablePool, is_file, to_text

METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
_CONTENT_TYPES = {
    "json": "application/json",
    "raw-text": "text/plain",
    "x-www-form-urlencoded": "application/x-www-form-urlencoded",
    "binary": "application/octet-stream",
}


def parse_pairs(text: str, pool: VariablePool) -> list[tuple[str, str]]:
    """``key:value`` lines; keys and values are rendered *after* splitting, and line breaks in
    rendered values are removed, so a variable cannot inject extra headers or params."""
    pairs: list[tuple[str, str]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        key, _, value = line.partition(":")
        pairs.append((_one_line(pool.render(key)).strip(), _one_line(pool.render(value)).strip()))
    return pairs


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


class HttpResponseError(NodeRunError):
    """Non-2xx status on a node with retries or an error strategy."""


@register
class HttpRequestNode(Node):
    type = "http-request"
    supports_retry = True
    supports_error_strategy = True

    async def run(self, ctx: NodeContext) -> NodeResult:
        client = service(ctx.services.http, "HTTP client", self)
        request = await self.build_request(ctx)
        response = await client.send(request)
        headers = {k.lower(): v for k, v in response.headers.items()}
        files: list[dict[str, Any]] = []
        body = response.text
        if ctx.services.file_store is not None and is_file_response(headers):
            mime = headers.get("content-type", "application/octet-stream").split(";")[0].strip()
            name = _filename(headers, request.url)
            files = [
                await ctx.services.file_store.save(response.content, filename=name, mime_type=mime)
            ]
            body = ""
        outputs = {
            "status_code": response.status_code,
            "body": body,
            "headers": dict(response.headers),
            "files": files,
        }
        process = {"request": f"{request.method.upper()} {request.url}"}
        retry = self.data.get("retry_config") or {}
        strict = bool(self.spec.error_strategy) or bool(
            isinstance(retry, Mapping) and retry.get("retry_enabled")
        )
        if strict and not 200 <= response.status_code < 300:
            raise HttpResponseError(f"HTTP request failed with status code {response.status_code}.")
        return NodeResult(outputs=outputs, process_data=process)

    async def build_request(self, ctx: NodeContext) -> HttpRequest:
        pool = ctx.pool
        method = str(self.data.get("method") or "get").lower()
        if method not in METHODS:
            raise NodeConfigError(f"Unsupported HTTP method {method!r}.")
        url = pool.render(str(self.data.get("url") or "")).strip()
        if not url.startswith(("http://", "https://")):
            raise NodeConfigError(f"URL must start with http:// or https://, got {url!r}.")
        headers = parse_pairs(str(self.data.get("headers") or ""), pool)
        headers += self._auth()
        params = parse_pairs(str(self.data.get("params") or ""), pool)
        body = self.data.get("body") or {}
        kind = str(body.get("type") or "none") if isinstance(body, Mapping) else "none"
        content, form, multipart = None, None, None
        data = body.get("data") if isinstance(body, Mapping) else None
        if kind in ("json", "raw-text"):
            content = pool.render(_body_text(data)).encode()
        elif kind == "x-www-form-urlencoded":
            form = _form_items(data, pool)
        elif kind == "form-data":
            multipart = await self._multipart(data, ctx)
        elif kind == "binary":
            content = await self._file_bytes(data, ctx)
        elif kind != "none":
            raise NodeConfigError(f"Unsupported body type {kind!r}.")
        if kind in _CONTENT_TYPES and not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", _CONTENT_TYPES[kind]))
        return HttpRequest(
            method,
            url,
            headers,
            params,
            content,
            form,
            multipart,
            self._timeout(),
            bool(self.data.get("ssl_verify", True)),
        )

    def _auth(self) -> list[tuple[str, str]]:
        auth = self.data.get("authorization") or {}
        if not isinstance(auth, Mapping) or auth.get("type") != "api-key":
            return []
        config = auth.get("config") or {}
        key = str(config.get("api_key") or "")
        kind = str(config.get("type") or "bearer")
        if kind == "basic":
            token = base64.b64encode(key.encode()).decode() if ":" in key else key
            return [("Authorization", f"Basic {token}")]
        if kind == "custom":
            return [(str(config.get("header") or "Authorization"), key)]
        return [("Authorization", f"Bearer {key}")]

    def _timeout(self) -> HttpTimeout:
        timeout = self.data.get("timeout") or {}
        if not isinstance(timeout, Mapping):
            return HttpTimeout()
        default = HttpTimeout()

        def pick(*keys: str, fallback: float) -> float:
            for key in keys:
                value = timeout.get(key)
                if isinstance(value, int | float) and value > 0:
                    return float(value)
            return fallback

        return HttpTimeout(
            pick("connect", "max_connect_timeout", fallback=default.connect),
            pick("read", "max_read_timeout", fallback=default.read),
            pick("write", "max_write_timeout", fallback=default.write),
        )

    async def _multipart(self, data: Any, ctx: NodeContext) -> list[MultipartField]:
        fields: list[MultipartField] = []
        for item in data if isinstance(data, list) else []:
            if not isinstance(item, Mapping) or not item.get("key"):
                continue
            key = ctx.pool.render(str(item["key"]))
            if item.get("type") == "file":
                files = ctx.pool.get(as_selector(item.get("file")))
                for file in files if isinstance(files, list) else [files]:
                    if not is_file(file):
                        continue
                    reader = service(ctx.services.files, "file reader", self)
                    fields.append(
                        MultipartField(
                            key,
                            filename=str(file.get("filename") or key),
                            content=await reader.read_bytes(file),
                            mime_type=file.get("mime_type"),
                        )
                    )
            else:
                fields.append(MultipartField(key, ctx.pool.render(str(item.get("value") or ""))))
        return fields

    async def _file_bytes(self, data: Any, ctx: NodeContext) -> bytes:
        items = data if isinstance(data, list) else []
        selector = (
            as_selector(items[0].get("file")) if items and isinstance(items[0], Mapping) else []
        )
        file = ctx.pool.get(selector)
        if isinstance(file, list):
            file = file[0] if file else None
        if not is_file(file):
            raise NodeRunError("The binary body needs a file variable.")
        reader = service(ctx.services.files, "file reader", self)
        content: bytes = await reader.read_bytes(file)
        return content


_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
    "application/yaml",
    "application/graphql",
    "application/ld+json",
    "application/problem+json",
    "application/x-ndjson",
)


def is_file_response(headers: Mapping[str, str]) -> bool:
    """Dify's rule: an attachment, or a content type that is not text-like, is a file."""
    if "attachment" in headers.get("content-disposition", "").lower():
        return True
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if not content_type:
        return False
    return not (content_type.startswith(_TEXT_TYPES) or content_type.endswith(("+json", "+xml")))


def _filename(headers: Mapping[str, str], url: str) -> str:
    disposition = headers.get("content-disposition", "")
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename" and value.strip('"'):
            return value.strip('"')
    tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return tail or "download"


def _body_text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        return str(data[0].get("value") or "")
    return ""


def _form_items(data: Any, pool: VariablePool) -> list[tuple[str, str]]:
    if isinstance(data, str):
        return parse_pairs(data, pool)
    items: list[tuple[str, str]] = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, Mapping) and item.get("key"):
            items.append(
                (pool.render(str(item["key"])), to_text(pool.render(str(item.get("value") or ""))))
            )
    return items
