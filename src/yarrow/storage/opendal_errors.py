"""OpenDAL's exceptions, translated once into :mod:`yarrow.storage.errors`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opendal import exceptions as od

from yarrow.storage.errors import ObjectNotFound, StorageUnavailable

MISSING = (od.NotFound, od.IsADirectory, od.NotADirectory)
OPENDAL_ERRORS: tuple[type[Exception], ...] = (
    od.Error,
    od.Unexpected,
    od.Unsupported,
    od.ConfigInvalid,
    od.NotFound,
    od.PermissionDenied,
    od.IsADirectory,
    od.NotADirectory,
    od.AlreadyExists,
    od.IsSameFile,
    od.ConditionNotMatch,
    od.RateLimited,
    od.RangeNotSatisfied,
    od.Conflict,
)


@contextmanager
def translated(key: str) -> Iterator[None]:
    """Translate OpenDAL's exceptions into ``yarrow.storage.errors``."""
    try:
        yield
    except MISSING as exc:
        raise ObjectNotFound(f"No object under {key!r}.") from exc
    except OPENDAL_ERRORS as exc:
        raise StorageUnavailable(f"Object storage call failed: {first_line(exc)}") from exc


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
