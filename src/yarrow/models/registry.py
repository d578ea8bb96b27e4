"""Model providers looked up by name in the ``yarrow.model_providers`` entry-point group.

Built-ins are declared the same way in Yarrow's own ``pyproject.toml``. An entry point names a
callable that takes a :class:`ProviderContext` and returns a :class:`ModelProvider` (normally the
provider class). Entry points are imported on first use, so an uninstalled SDK only matters to
the provider that needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points

from yarrow.errors import ConfigurationError, NotFound
from yarrow.models.interfaces import ModelProvider, ProviderContext
from yarrow.models.types import ProviderInfo

ENTRY_POINT_GROUP = "yarrow.model_providers"

ProviderFactory = type[ModelProvider] | Callable[[ProviderContext], ModelProvider]


class UnknownProviderError(NotFound):
    """No provider of that name is installed."""

    code = "provider_not_found"
    default_message = "Model provider not found."


class ProviderRegistry:
    """Name -> provider factory; unknown names fail with a message listing the installed ones."""

    def __init__(self, sources: Mapping[str, EntryPoint | ProviderFactory]) -> None:
        self._sources = dict(sources)
        self._loaded: dict[str, ProviderFactory] = {}

    @classmethod
    def from_entry_points(cls, group: str = ENTRY_POINT_GROUP) -> ProviderRegistry:
        """A registry of every provider installed under ``group``."""
        return cls({ep.name: ep for ep in entry_points(group=group)})

    def names(self) -> list[str]:
        """Installed provider names, sorted."""
        return sorted(self._sources)

    def factory(self, name: str) -> ProviderFactory:
        """The factory registered as ``name`` (imported on first use)."""
        if name in self._loaded:
            return self._loaded[name]
        source = self._sources.get(name)
        if source is None:
            installed = ", ".join(self.names()) or "none"
            raise UnknownProviderError(
                f"Unknown model provider '{name}'. Installed providers: {installed}."
            )
        if isinstance(source, EntryPoint):
            try:
                loaded = source.load()
            except ImportError as exc:
                raise ConfigurationError(
                    f"Model provider '{name}' is registered but cannot be imported ({exc}); "
                    f"install its dependencies."
                ) from exc
            if not callable(loaded):
                raise ConfigurationError(f"Model provider entry point '{name}' is not callable.")
            factory: ProviderFactory = loaded
        else:
            factory = source
        self._loaded[name] = factory
        return factory

    def describe(self, name: str) -> ProviderInfo:
        """Name, label, model types and credential schema of provider ``name``."""
        factory = self.factory(name)
        if isinstance(factory, type) and issubclass(factory, ModelProvider):
            return factory.describe()
        raise ConfigurationError(f"Model provider '{name}' does not describe itself.")

    def create(self, name: str, context: ProviderContext) -> ModelProvider:
        """A new provider instance."""
        provider = self.factory(name)(context)
        if not isinstance(provider, ModelProvider):
            raise ConfigurationError(f"Model provider '{name}' did not build a ModelProvider.")
        return provider


__all__ = ["ENTRY_POINT_GROUP", "ProviderFactory", "ProviderRegistry", "UnknownProviderError"]
