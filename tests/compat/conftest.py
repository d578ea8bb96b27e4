"""A live `yarrow serve` with an owner, an app of each kind and keys, for third-party clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.live import Cli, Served, free_port
from yarrow.testing.fake_openai import MODEL, serve_in_thread

PASSWORD = "passw0rd-compat"
UPSTREAM_KEY = "sk-compat-upstream"


@dataclass
class LiveYarrow:
    """Base URL of the server and keys of its apps."""

    url: str
    chat_key: str
    completion_key: str
    console_token: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveYarrow]:
    data = Path(tmp_path_factory.mktemp("compat")) / "data"
    cli = Cli(data)
    cli.json("setup", "--email", "o@example.com", "--name", "Owner", "--password", PASSWORD)
    with serve_in_thread(free_port(), api_key=UPSTREAM_KEY) as upstream:
        server = Served(cli, free_port())
        try:
            server.wait_ready()
            token = httpx.post(
                f"{server.url}/console/api/login",
                json={"email": "o@example.com", "password": PASSWORD},
            ).json()["data"]["access_token"]
            console = httpx.Client(
                base_url=f"{server.url}/console/api",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            saved = console.post(
                "/workspaces/current/model-providers/openai_api_compatible/credentials",
                json={"credentials": {"endpoint_url": upstream, "api_key": UPSTREAM_KEY}},
            )
            assert saved.status_code == 200, saved.text
            keys = {}
            for mode in ("chat", "completion"):
                app = console.post("/apps", json={"name": f"compat {mode}", "mode": mode}).json()
                console.post(
                    f"/apps/{app['id']}/model-config",
                    json={
                        "model": {"provider": "openai_api_compatible", "name": MODEL},
                        "pre_prompt": "Be brief.",
                    },
                )
                keys[mode] = console.post(f"/apps/{app['id']}/api-keys").json()["token"]
            console.close()
            yield LiveYarrow(server.url, keys["chat"], keys["completion"], token)
        finally:
            server.stop()
