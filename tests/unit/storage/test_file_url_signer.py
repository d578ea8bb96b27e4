"""Dify's signed /files URLs (timestamp, nonce, sign), bit for bit."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest

from yarrow.errors import PermissionDenied
from yarrow.storage import FileUrlSigner, InvalidDownloadSignature

SECRET = "sk-test-secret-key-0123456789"


class _Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def _parts(url: str) -> tuple[str, dict[str, str]]:
    split = urlsplit(url)
    return split.path, {k: v[0] for k, v in parse_qs(split.query).items()}


def test_file_preview_url_matches_difys_algorithm() -> None:
    signer = FileUrlSigner(SECRET, "https://files.example/", clock=_Clock())
    path, query = _parts(signer.file_preview_url("0b1e7c1e-1111-4c2e-9d5e-123456789abc"))
    assert path == "/files/0b1e7c1e-1111-4c2e-9d5e-123456789abc/file-preview"
    assert query["timestamp"] == "1700000000"
    assert len(query["nonce"]) == 32 and int(query["nonce"], 16) >= 0
    message = f"file-preview|0b1e7c1e-1111-4c2e-9d5e-123456789abc|1700000000|{query['nonce']}"
    digest = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).digest()
    assert query["sign"] == base64.urlsafe_b64encode(digest).decode()


def test_attachment_image_and_tool_urls() -> None:
    signer = FileUrlSigner(SECRET, "http://h", clock=_Clock())
    _, query = _parts(signer.file_preview_url("f1", as_attachment=True))
    assert query["as_attachment"] == "true"
    path, query = _parts(signer.image_preview_url("f2"))
    assert path == "/files/f2/image-preview"
    signer.verify("f2", query["timestamp"], query["nonce"], query["sign"], purpose="image-preview")
    with pytest.raises(InvalidDownloadSignature):
        signer.verify("f2", query["timestamp"], query["nonce"], query["sign"])
    path, query = _parts(signer.tool_file_url("t3", ".png"))
    assert path == "/files/tools/t3.png"
    signer.verify("t3", query["timestamp"], query["nonce"], query["sign"])


def test_signature_expires_after_the_access_timeout() -> None:
    clock = _Clock()
    signer = FileUrlSigner(SECRET, "http://h", access_timeout=300, clock=clock)
    _, q = _parts(signer.file_preview_url("f"))
    clock.now += 300
    signer.verify("f", q["timestamp"], q["nonce"], q["sign"])
    clock.now += 1
    with pytest.raises(PermissionDenied, match="expired"):
        signer.verify("f", q["timestamp"], q["nonce"], q["sign"])


def test_signature_is_bound_to_file_time_nonce_and_secret() -> None:
    clock = _Clock()
    signer = FileUrlSigner(SECRET, "http://h", clock=clock)
    _, q = _parts(signer.file_preview_url("file-a"))
    for args in [
        ("file-b", q["timestamp"], q["nonce"], q["sign"]),
        ("file-a", str(int(q["timestamp"]) + 100), q["nonce"], q["sign"]),
        ("file-a", q["timestamp"], "0" * 32, q["sign"]),
        ("file-a", q["timestamp"], q["nonce"], q["sign"][:-2] + "AA"),
        ("file-a", "later", q["nonce"], q["sign"]),
    ]:
        with pytest.raises(InvalidDownloadSignature):
            signer.verify(*args)
    other = FileUrlSigner("another-secret", "http://h", clock=clock)
    with pytest.raises(InvalidDownloadSignature):
        other.verify("file-a", q["timestamp"], q["nonce"], q["sign"])


def test_nonces_differ_between_urls() -> None:
    signer = FileUrlSigner(SECRET, "http://h")
    assert (
        _parts(signer.file_preview_url("f"))[1]["nonce"]
        != _parts(signer.file_preview_url("f"))[1]["nonce"]
    )


def test_secret_is_required() -> None:
    with pytest.raises(ValueError):
        FileUrlSigner("", "http://h")
