"""Object-key validation and proxied download URL signing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from yarrow.errors import InvalidInput, PermissionDenied
from yarrow.storage import InvalidDownloadSignature, InvalidObjectKey, ProxiedUrlSigner
from yarrow.storage.keys import MAX_KEY_BYTES, check_key, check_prefix


@pytest.mark.parametrize(
    "key", ["a", "a/b/c.txt", "upload_files/t1/8f0e.png", "数据/ü ñ (1).txt", "a.b/..c/d.."]
)
def test_valid_keys_pass_unchanged(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/a",
        "a/",
        "a//b",
        "a/../b",
        "..",
        ".",
        "a/.",
        "a\\b",
        "a\x00",
        "a\nb",
        "a\x7f",
        "x" * (MAX_KEY_BYTES + 1),
        "é" * (MAX_KEY_BYTES // 2 + 1),
    ],
)
def test_invalid_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidObjectKey):
        check_key(key)


def test_invalid_key_is_an_invalid_input_error() -> None:
    with pytest.raises(InvalidInput):
        check_key("../etc/passwd")


@pytest.mark.parametrize("prefix", ["", "a", "a/", "a/b", "a/b/"])
def test_valid_prefixes(prefix: str) -> None:
    assert check_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["/", "/a", "a//", "../", "a/../", "a\\"])
def test_invalid_prefixes(prefix: str) -> None:
    with pytest.raises(InvalidObjectKey):
        check_prefix(prefix)


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_signed_url_verifies_until_it_expires() -> None:
    clock = _Clock(1_000_000.0)
    signer = ProxiedUrlSigner(b"secret", "https://files.example/files/objects/", clock=clock)
    url = signer.sign("dir/a b.txt", expires_in=300)
    assert url.startswith("https://files.example/files/objects/dir/a%20b.txt?")
    query = _query(url)
    assert query["expires"] == "1000300"
    signer.verify("dir/a b.txt", query["expires"], query["sign"])
    clock.now = 1_000_301.0
    with pytest.raises(InvalidDownloadSignature, match="expired"):
        signer.verify("dir/a b.txt", query["expires"], query["sign"])


def test_signature_is_bound_to_key_expiry_and_secret() -> None:
    clock = _Clock(1000.0)
    signer = ProxiedUrlSigner(b"secret", "http://h/f", clock=clock)
    query = _query(signer.sign("a.txt", expires_in=60))
    with pytest.raises(PermissionDenied):
        signer.verify("b.txt", query["expires"], query["sign"])
    with pytest.raises(PermissionDenied):
        signer.verify("a.txt", str(int(query["expires"]) + 3600), query["sign"])
    with pytest.raises(PermissionDenied):
        signer.verify("a.txt", "not-a-number", query["sign"])
    other = ProxiedUrlSigner(b"other secret", "http://h/f", clock=clock)
    with pytest.raises(PermissionDenied):
        other.verify("a.txt", query["expires"], query["sign"])


def test_signer_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError):
        ProxiedUrlSigner(b"", "http://h/f")
    signer = ProxiedUrlSigner(b"s", "http://h/f")
    with pytest.raises(ValueError):
        signer.sign("a", expires_in=0)
    with pytest.raises(InvalidObjectKey):
        signer.sign("../a", expires_in=10)
