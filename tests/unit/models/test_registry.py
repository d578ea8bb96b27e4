"""The provider registry: entry points, unknown names, broken registrations, schemas."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from yarrow.errors import ConfigurationError, NotFound
from yarrow.models import (
    ModelNotSupportedError,
    ModelRuntime,
    ModelType,
    ProviderContext,
    ProviderRegistry,
    UnknownProviderError,
)
from yarrow.models.providers.anthropic import AnthropicProvider
from yarrow.models.providers.local.provider import LocalProvider
from yarrow.models.providers.openai_compatible import OpenAICompatibleProvider
from yarrow.settings.models import ModelSettings


def context(tmp_path: Path, **settings) -> ProviderContext:
    return ProviderContext(settings=ModelSettings(**settings), data_dir=tmp_path)


def test_built_ins_are_registered_through_entry_points():
    registry = ProviderRegistry.from_entry_points()
    assert {"local", "openai_api_compatible", "anthropic"} <= set(registry.names())
    assert registry.factory("local") is LocalProvider
    assert registry.factory("openai_api_compatible") is OpenAICompatibleProvider
    assert registry.factory("anthropic") is AnthropicProvider


def test_unknown_provider_lists_the_installed_ones():
    registry = ProviderRegistry.from_entry_points()
    with pytest.raises(UnknownProviderError) as info:
        registry.factory("no_such_provider")
    assert isinstance(info.value, NotFound)
    assert "openai_api_compatible" in info.value.message and "local" in info.value.message


def test_broken_entry_point_is_a_configuration_error():
    broken = EntryPoint(
        name="broken", value="yarrow_no_such_module:Provider", group="yarrow.model_providers"
    )
    registry = ProviderRegistry({"broken": broken})
    with pytest.raises(ConfigurationError, match="cannot be imported"):
        registry.factory("broken")


def test_non_callable_entry_point_is_refused():
    odd = EntryPoint(
        name="odd", value="yarrow.models.registry:ENTRY_POINT_GROUP", group="yarrow.model_providers"
    )
    with pytest.raises(ConfigurationError, match="not callable"):
        ProviderRegistry({"odd": odd}).factory("odd")


def test_factory_must_build_a_provider(tmp_path):
    registry = ProviderRegistry({"weird": lambda ctx: object()})
    with pytest.raises(ConfigurationError, match="did not build"):
        registry.create("weird", context(tmp_path))


def test_describe_declares_model_types_and_secret_fields():
    registry = ProviderRegistry.from_entry_points()
    openai_info = registry.describe("openai_api_compatible")
    secrets = {f.name for f in openai_info.credential_schema if f.secret}
    assert secrets == {"api_key"}
    assert set(openai_info.model_types) == {
        ModelType.LLM,
        ModelType.TEXT_EMBEDDING,
        ModelType.RERANK,
    }
    anthropic_info = registry.describe("anthropic")
    assert {f.name for f in anthropic_info.credential_schema if f.secret} == {"anthropic_api_key"}
    assert anthropic_info.needs_credentials
    local_info = registry.describe("local")
    assert not local_info.needs_credentials and local_info.credential_schema == []
    assert ModelType.RERANK not in local_info.model_types


def test_runtime_hides_local_when_disabled(tmp_path):
    runtime = ModelRuntime(context(tmp_path, yarrow_local_models_enabled=False))
    assert "local" not in runtime.provider_names()
    with pytest.raises(UnknownProviderError):
        runtime.provider("local")
    enabled = ModelRuntime(context(tmp_path))
    assert "local" in [p.name for p in enabled.providers()]


def test_runtime_caches_one_instance_per_provider(tmp_path):
    runtime = ModelRuntime(context(tmp_path))
    assert runtime.provider("anthropic") is runtime.provider("anthropic")


async def test_local_lists_chat_and_embedding_and_no_rerank(tmp_path):
    runtime = ModelRuntime(context(tmp_path))
    models = await runtime.list_models("local", {})
    assert {(m.name, m.type) for m in models} == {
        ("gemma-3-270m", ModelType.LLM),
        ("all-MiniLM-L6-v2", ModelType.TEXT_EMBEDDING),
    }
    assert await runtime.list_models("local", {}, ModelType.RERANK) == []
    with pytest.raises(ModelNotSupportedError, match="no rerank"):
        runtime.rerank_model("local", {}, "anything")
    with pytest.raises(ModelNotSupportedError, match="has no llm model 'gpt-4'"):
        runtime.chat_model("local", {}, "gpt-4")
    # building models starts nothing: the llama.cpp child is lazy
    runtime.chat_model("local", {}, "gemma-3-270m")
    assert runtime.provider("local").supervisor.pid is None
