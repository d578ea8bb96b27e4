"""Serving the built console: files, SPA fallback, API prefixes never fall back, no escapes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from yarrow.api.errors import install_error_handlers
from yarrow.api.webui import API_PREFIXES, console_openapi, is_api_path, mount_webui

INDEX = "<!doctype html><title>Yarrow</title><div id=root></div>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "index-abc123.js").write_text("console.log(1)")
    (root / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside the build")
    return root


def _app(dist: Path | None) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/v1/ping")
    def ping() -> dict[str, str]:
        return {"pong": "v1"}

    @app.post("/console/api/thing")
    def thing() -> dict[str, str]:
        return {"ok": "yes"}

    mount_webui(app, dist)

    @app.get("/mcp/later")  # a router added after the UI still wins
    def later() -> dict[str, str]:
        return {"later": "yes"}

    return app


def test_index_and_deep_links_get_the_shell(dist: Path) -> None:
    client = TestClient(_app(dist))
    for path in ("/", "/apps", "/app/123/api", "/install", "/chat/abc", "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"


def test_files_are_served_and_hashed_assets_cached(dist: Path) -> None:
    client = TestClient(_app(dist))
    asset = client.get("/assets/index-abc123.js")
    assert asset.status_code == 200 and asset.text == "console.log(1)"
    assert "immutable" in asset.headers["cache-control"]
    icon = client.get("/favicon.svg")
    assert icon.text == "<svg/>" and icon.headers["cache-control"] == "no-cache"
    assert client.head("/apps").status_code == 200


def test_missing_asset_is_a_404_not_the_shell(dist: Path) -> None:
    response = TestClient(_app(dist)).get("/assets/index-old999.js")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("prefix", API_PREFIXES)
def test_api_prefixes_never_fall_back(dist: Path, prefix: str) -> None:
    client = TestClient(_app(dist))
    for path in (f"/{prefix}", f"/{prefix}/", f"/{prefix}/nothing/here"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/json"  # the API's error, not HTML
        assert "not_found" in response.text


def test_api_routes_win_whatever_the_order(dist: Path) -> None:
    client = TestClient(_app(dist))
    assert client.get("/v1/ping").json() == {"pong": "v1"}
    assert client.get("/mcp/later").json() == {"later": "yes"}
    assert client.post("/console/api/thing").json() == {"ok": "yes"}
    assert client.get("/console/api/thing").status_code == 405  # not the HTML shell


def test_unsafe_methods_do_not_get_the_shell(dist: Path) -> None:
    client = TestClient(_app(dist))
    response = client.post("/apps")
    assert response.status_code == 404
    assert "html" not in response.headers["content-type"]


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"]
)
def test_paths_cannot_escape_the_build(dist: Path, path: str) -> None:
    response = TestClient(_app(dist)).get(path)
    assert "outside the build" not in response.text


def test_without_a_build_nothing_is_mounted(tmp_path: Path) -> None:
    app = FastAPI()
    assert mount_webui(app, None) is False
    assert mount_webui(app, tmp_path) is False  # no index.html
    install_error_handlers(app)
    assert TestClient(app).get("/apps").status_code == 404


def test_is_api_path() -> None:
    assert is_api_path("/v1/chat-messages") and is_api_path("console/api/setup")
    assert is_api_path("/health") and is_api_path("/e/plugin")
    assert not is_api_path("/apps") and not is_api_path("/") and not is_api_path("/v1x")
    assert not is_api_path("/explore/apps") and not is_api_path("/chat/abc")


def test_console_schema_covers_the_console_routes() -> None:
    paths = console_openapi()["paths"]
    assert "/console/api/apps" in paths and "/console/api/login" in paths
    assert "/console/api/files/upload" in paths
    assert all(p.startswith("/console/api/") for p in paths)


def test_assets_are_gzipped_for_clients_that_accept_it(dist: Path) -> None:
    big = "const answer = 42;\n" * 2000
    (dist / "assets" / "app-big.js").write_text(big)
    client = TestClient(_app(dist))
    zipped = client.get("/assets/app-big.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["content-type"].startswith("text/javascript")
    assert zipped.text == big  # httpx decodes it
    assert zipped.num_bytes_downloaded < len(big) // 10
    plain = client.get("/assets/app-big.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == big


def test_a_rebuilt_asset_is_compressed_again(dist: Path) -> None:
    client = TestClient(_app(dist))
    target = dist / "assets" / "index-abc123.js"
    assert client.get("/assets/index-abc123.js").text == "console.log(1)"
    target.write_text("console.log(2)")
    os.utime(target, ns=(1, target.stat().st_mtime_ns + 1_000_000_000))
    assert client.get("/assets/index-abc123.js").text == "console.log(2)"
