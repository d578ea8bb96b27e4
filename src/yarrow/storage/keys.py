"""Validation of object keys and prefixes.

A key is a relative, ``/``-separated path: not empty, at most 1024 UTF-8 bytes, no leading or
trailing ``/``, no empty, ``.`` or ``..`` segments, no backslash and no control characters. The
same rules hold on every backend, so a key that works on the local folder works on S3 and back.
"""

from __future__ import annotations

from yarrow.storage.errors import InvalidObjectKey

MAX_KEY_BYTES = 1024


def check_key(key: str) -> str:
    """Return ``key`` unchanged if it is a valid object key; raise :class:`InvalidObjectKey`."""
    if not isinstance(key, str) or not key:
        raise InvalidObjectKey("Object key must be a non-empty string.")
    if key.endswith("/"):
        raise InvalidObjectKey("Object key must not end with '/'.")
    _check_path(key)
    return key


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is empty or a valid key start (may end with ``/``)."""
    if not isinstance(prefix, str):
        raise InvalidObjectKey("Prefix must be a string.")
    if prefix:
        _check_path(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def _check_path(path: str) -> None:
    if not path:
        raise InvalidObjectKey("Object key has an empty segment.")
    if len(path.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidObjectKey(f"Object key is longer than {MAX_KEY_BYTES} bytes.")
    if path.startswith("/"):
        raise InvalidObjectKey("Object key must be relative (no leading '/').")
    if "\\" in path:
        raise InvalidObjectKey("Object key must not contain '\\'.")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF for ch in path):
        raise InvalidObjectKey("Object key must not contain control characters.")
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidObjectKey("Object key must not contain empty, '.' or '..' segments.")
