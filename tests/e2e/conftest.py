"""Browser tests: a real ``yarrow serve`` with the built console, driven by Debian's Chromium.

The upstream model is ``yarrow.testing.fake_openai`` (our deterministic OpenAI-compatible
server), configured as the ``openai_api_compatible`` provider. Screenshots of every step go to
``test-artifacts/e2e/`` (gitignored).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.live import Cli, Served, free_port
from yarrow.testing.fake_openai import serve_in_thread

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
ARTIFACTS = REPO / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
expect.set_options(timeout=15_000)
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
UPSTREAM_KEY = "sk-e2e-upstream"
OWNER = {"email": "owner@example.com", "name": "Olive Owner", "password": "correct-horse-42"}


@pytest.fixture(scope="package")
def web_dist() -> Path:
    """The console build; built here when missing (``scripts/install`` normally builds it)."""
    dist = WEB / "dist"
    if not (dist / "index.html").is_file():
        npm = shutil.which("npm")
        assert npm, "npm is needed to build web/ (scripts/install installs Node)"
        if not (WEB / "node_modules").is_dir():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
        subprocess.run([npm, "run", "build"], cwd=WEB, check=True, timeout=300)
    assert (dist / "index.html").is_file()
    return dist


@pytest.fixture(scope="package")
def upstream() -> Iterator[str]:
    with serve_in_thread(free_port(), api_key=UPSTREAM_KEY) as url:
        yield url


def _serve(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Served]:
    root = tmp_path_factory.mktemp(name)
    served = Served(Cli(root / "data"), free_port())
    try:
        served.wait_ready(60)
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="package")
def fresh_server(web_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server that has never been set up (first run)."""
    yield from _serve(tmp_path_factory, "fresh")


@pytest.fixture(scope="package")
def ready_server(
    web_dist: Path, upstream: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A server already set up, with the fake upstream configured, through the HTTP API."""
    for served in _serve(tmp_path_factory, "ready"):
        base = f"{served.url}/console/api"
        with httpx.Client(base_url=base, timeout=30) as http:
            assert http.post("/setup", json=OWNER).status_code == 201
            token = http.post("/login", json=OWNER).json()["data"]["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            saved = http.post(
                "/workspaces/current/model-providers/openai_api_compatible/credentials",
                json={"credentials": {"endpoint_url": upstream, "api_key": UPSTREAM_KEY}},
            )
            assert saved.status_code == 200, saved.text
        yield served


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        if dialog.type == "confirm":
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.errors = errors  # type: ignore[attr-defined]
    page.dialogs = dialogs  # type: ignore[attr-defined]
    return page


class Shots:
    """Numbered screenshots of one test's steps."""

    def __init__(self, page: Page, name: str) -> None:
        self.page, self.dir, self.n = page, ARTIFACTS / name, 0
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)

    def __call__(self, step: str) -> Path:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(page: Page, request: pytest.FixtureRequest) -> Shots:
    return Shots(page, request.node.name)


def sign_in(page: Page, url: str) -> None:
    """Sign in as the owner through the form."""
    page.goto(f"{url}/signin")
    page.get_by_label("Email").fill(OWNER["email"])
    page.get_by_label("Password").fill(OWNER["password"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Apps").wait_for()


def console(served: Served) -> httpx.Client:
    """An HTTP client signed in as the owner (bearer token, so no CSRF header is needed)."""
    login = httpx.post(f"{served.url}/console/api/login", json=OWNER, timeout=30)
    token = login.json()["data"]["access_token"]
    return httpx.Client(
        base_url=f"{served.url}/console/api",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def chat_app(served: Served, name: str, **config: object) -> str:
    """A chat app on the fake upstream's model; returns its id."""
    http = console(served)
    with http:
        app_id = str(http.post("/apps", json={"name": name, "mode": "chat"}).json()["id"])
        body = {"model": {"provider": "openai_api_compatible", "name": "echo-1"}, **config}
        assert http.post(f"/apps/{app_id}/model-config", json=body).status_code == 200
    return app_id
