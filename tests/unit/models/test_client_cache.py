"""Per-credential, per-event-loop client cache."""

from __future__ import annotations

import asyncio

from yarrow.models.providers.client_cache import LoopBoundCache, credential_fingerprint


def test_fingerprint_depends_on_provider_and_every_value():
    base = credential_fingerprint("p", {"api_key": "a", "url": "u"})
    assert base == credential_fingerprint("p", {"url": "u", "api_key": "a"})
    assert base != credential_fingerprint("q", {"api_key": "a", "url": "u"})
    assert base != credential_fingerprint("p", {"api_key": "b", "url": "u"})
    secret = credential_fingerprint("p", {"api_key": "sk-secret-value"})
    assert "secret" not in secret and len(secret) == 64


def test_one_client_per_key_and_loop():
    built: list[dict] = []
    cache = LoopBoundCache(lambda creds: built.append(dict(creds)) or object())

    async def get_twice():
        return cache.get("k", {"n": 1}), cache.get("k", {"n": 1}), cache.get("j", {"n": 2})

    first = asyncio.run(get_twice())
    assert first[0] is first[1] and first[0] is not first[2]
    second = asyncio.run(get_twice())
    assert second[0] is not first[0]  # a new loop gets a new client
    assert len(built) == 4


def test_drain_current_loop_leaves_other_loops_alone():
    cache = LoopBoundCache(lambda creds: object())
    outside = cache.get("k", {})

    async def inside():
        mine = cache.get("k", {})
        return mine, cache.drain_current_loop()

    mine, drained = asyncio.run(inside())
    assert drained == [mine]
    assert cache.drain() == [outside]
    assert cache.drain() == []
