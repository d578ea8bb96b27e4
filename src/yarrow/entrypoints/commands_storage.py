"""Operator commands for object storage and the SSRF guard.

``yarrow storage check`` proves the configured storage works (write, read, list, delete of a
probe object); ``yarrow storage ls`` lists keys; ``yarrow net check-url`` says whether the SSRF
guard would let a URL through, and why not, without sending any request.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from typing import Any

import click

from yarrow.entrypoints.wiring import load_for_cli
from yarrow.errors import YarrowError
from yarrow.net import AddressPolicy, SystemResolver
from yarrow.net.transport import ALLOWED_SCHEMES, check_addresses
from yarrow.settings import read_environment
from yarrow.storage import ObjectStorage, build_storage

PROBE_PREFIX = ".yarrow-probe/"


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _fail(message: str, data: dict[str, Any] | None = None) -> None:
    if data is not None:
        _emit(data)
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _storage() -> ObjectStorage:
    settings = load_for_cli()
    return build_storage(settings.storage, environ=read_environment(), data_dir=settings.data_dir)


async def _check(storage: ObjectStorage) -> dict[str, Any]:
    key = f"{PROBE_PREFIX}{uuid.uuid4().hex}"
    payload = uuid.uuid4().bytes * 64
    steps: dict[str, float] = {}
    started = time.perf_counter()
    try:
        await storage.save(key, payload, content_type="application/octet-stream")
        steps["save_ms"] = (time.perf_counter() - started) * 1000
        if await storage.load(key) != payload:
            raise click.ClickException("read back different bytes than were written")
        steps["load_ms"] = (time.perf_counter() - started) * 1000 - steps["save_ms"]
        listed = [k async for k in storage.list_keys(PROBE_PREFIX)]
        if key not in listed:
            raise click.ClickException("the probe object is missing from the listing")
    finally:
        await storage.delete(key)
    if await storage.exists(key):
        raise click.ClickException("the probe object survived its deletion")
    return {"ok": True, **{k: round(v, 1) for k, v in steps.items()}}


@click.group("storage")
def storage_group() -> None:
    """Inspect the configured object storage (STORAGE_TYPE)."""


@storage_group.command("check")
def storage_check() -> None:
    """Write, read, list and delete a probe object; exit 1 with the reason on failure."""
    try:
        storage = _storage()
        result = {"storage_type": storage.name, **asyncio.run(_check(storage))}
    except (YarrowError, click.ClickException) as exc:
        message = exc.message if isinstance(exc, YarrowError) else exc.format_message()
        _fail(message, {"ok": False})
        return
    _emit(result)


@storage_group.command("ls")
@click.argument("prefix", default="")
def storage_ls(prefix: str) -> None:
    """List the keys starting with PREFIX, one per line."""

    async def run() -> None:
        async for key in _storage().list_keys(prefix):
            click.echo(key)

    try:
        asyncio.run(run())
    except YarrowError as exc:
        _fail(exc.message)


@click.group("net")
def net_group() -> None:
    """Inspect the SSRF guard applied to user-supplied URLs."""


@net_group.command("check-url")
@click.argument("url")
def net_check_url(url: str) -> None:
    """Say whether URL may be fetched (resolving it like the guard does); sends nothing."""
    import httpx

    settings = load_for_cli().ssrf
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        _fail(f"invalid URL: {exc}", {"url": url, "allowed": False})
        return
    if parsed.scheme not in ALLOWED_SCHEMES or not parsed.host:
        _fail("only absolute http and https URLs can be fetched", {"url": url, "allowed": False})
        return
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    policy = AddressPolicy.from_strings(settings.allowed_networks)
    try:
        addresses = asyncio.run(check_addresses(parsed.host, port, policy, SystemResolver()))
    except YarrowError as exc:
        _fail(exc.message, {"url": url, "allowed": False, "reason": exc.message})
        return
    _emit({"url": url, "allowed": True, "addresses": [str(a) for a in addresses]})


COMMANDS: list[click.Command] = [storage_group, net_group]
