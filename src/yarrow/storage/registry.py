"""Storage backends by Dify's ``STORAGE_TYPE`` name, found through entry points.

A backend is registered in the ``yarrow.storage`` entry-point group; its object is a callable
``(StorageContext) -> ObjectStorage``. Yarrow's own backends are registered the same way in its
``pyproject.toml``. Only the chosen backend's module is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from yarrow.settings.storage import StorageSettings
from yarrow.storage.backends import StorageContext
from yarrow.storage.base import ObjectStorage
from yarrow.storage.errors import StorageConfigurationError
from yarrow.storage.signing import ProxiedUrlSigner

ENTRY_POINT_GROUP = "yarrow.storage"

#: Dify storage types Yarrow does not implement (refused with a clear message).
UNSUPPORTED_DIFY_TYPES = frozenset({"baidu-obs", "oci-storage", "supabase", "clickzetta-volume"})

BackendFactory = Callable[[StorageContext], ObjectStorage]


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_backends() -> list[str]:
    """Names of every installed storage backend, sorted."""
    return sorted(_entry_points())


def get_backend(name: str) -> BackendFactory:
    """The factory registered under ``name``.

    Raises:
        StorageConfigurationError: no backend of that name is installed (the message lists the
            installed ones), or it failed to import.
    """
    key = name.strip().lower()
    found = _entry_points().get(key)
    if found is None:
        installed = ", ".join(available_backends()) or "(none)"
        why = " Dify supports it, Yarrow does not." if key in UNSUPPORTED_DIFY_TYPES else ""
        raise StorageConfigurationError(
            f"Unknown STORAGE_TYPE {name!r}.{why} Installed storage backends: {installed}."
        )
    try:
        factory: BackendFactory = found.load()
    except ImportError as exc:
        raise StorageConfigurationError(
            f"Storage backend {key!r} could not be imported: {exc}"
        ) from exc
    return factory


def build_storage(
    settings: StorageSettings,
    *,
    environ: Mapping[str, str],
    data_dir: Path,
    signer: ProxiedUrlSigner | None = None,
) -> ObjectStorage:
    """The configured object storage (``STORAGE_TYPE``), ready to use.

    Args:
        settings: the storage settings group.
        environ: the raw environment the settings were read from (``OPENDAL_<SCHEME>_*``).
        data_dir: base of relative local folders (the embedded default is ``data_dir/storage``).
        signer: signs proxied download URLs for backends that do not presign.
    """
    factory = get_backend(settings.storage_type)
    context = StorageContext(settings=settings, environ=environ, data_dir=data_dir, signer=signer)
    return factory(context)
