"""Find vector-store backends by Dify's ``VECTOR_STORE`` names.

Backends register a factory in the ``yarrow.vector_stores`` entry-point group (built-ins too, in
Yarrow's own ``pyproject.toml``). A factory is ``(settings, data_dir) -> VectorStore``; it is
imported only when chosen, so a backend whose SDK is not installed costs nothing until named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from yarrow.errors import ConfigurationError
from yarrow.settings.vector_store import VectorStoreSettings
from yarrow.vectorstores.base import VectorStore
from yarrow.vectorstores.errors import UnknownVectorStore

ENTRY_POINT_GROUP = "yarrow.vector_stores"
DEFAULT_EMBEDDED_BACKEND = "lancedb"

VectorStoreFactory = Callable[[VectorStoreSettings, Path], VectorStore]


class VectorStoreRegistry:
    """Backend names mapped to factories: entry points plus explicit registrations."""

    def __init__(
        self,
        entry_points_by_name: Mapping[str, EntryPoint] | None = None,
        factories: Mapping[str, VectorStoreFactory] | None = None,
    ) -> None:
        self._entry_points = dict(entry_points_by_name or {})
        self._factories = dict(factories or {})

    @classmethod
    def from_entry_points(cls) -> VectorStoreRegistry:
        """A registry of every backend installed in this environment."""
        found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
        return cls(found)

    def register(self, name: str, factory: VectorStoreFactory) -> None:
        """Add or replace a backend under ``name``."""
        self._factories[name] = factory

    def names(self) -> list[str]:
        """Every backend name this registry knows, sorted."""
        return sorted({*self._entry_points, *self._factories})

    def factory(self, name: str) -> VectorStoreFactory:
        """The factory for ``name``.

        Raises:
            UnknownVectorStore: no backend of that name; the message lists the installed ones.
            ConfigurationError: the backend is registered but its dependencies fail to import.
        """
        key = name.strip().lower()
        if key in self._factories:
            return self._factories[key]
        entry = self._entry_points.get(key)
        if entry is None:
            installed = ", ".join(self.names()) or "none"
            raise UnknownVectorStore(
                f"Unknown VECTOR_STORE {name!r}. Installed vector stores: {installed}."
            )
        try:
            loaded = entry.load()
        except ImportError as exc:
            raise ConfigurationError(
                f"Vector store {key!r} is registered but cannot be imported ({exc}); install "
                "its dependencies."
            ) from exc
        if not callable(loaded):
            raise ConfigurationError(f"Entry point for vector store {key!r} is not callable.")
        factory: VectorStoreFactory = loaded
        self._factories[key] = factory
        return factory

    def create(self, settings: VectorStoreSettings, *, data_dir: Path) -> VectorStore:
        """Build the backend named by ``settings.vector_store``.

        Raises:
            ConfigurationError: ``VECTOR_STORE`` is unset, unknown, or not importable.
        """
        if not settings.vector_store:
            raise ConfigurationError(
                f"VECTOR_STORE is not set. Installed vector stores: {', '.join(self.names())}."
            )
        return self.factory(settings.vector_store)(settings, data_dir)


__all__ = [
    "DEFAULT_EMBEDDED_BACKEND",
    "ENTRY_POINT_GROUP",
    "VectorStoreFactory",
    "VectorStoreRegistry",
]
