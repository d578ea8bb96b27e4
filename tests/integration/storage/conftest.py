"""Real storage services on loopback: moto_server (S3) and Azurite (Azure Blob).

Both are started once per session on free ports and stopped by PID. Azurite comes from
``tests/integration/storage/package.json`` (``npm ci`` there, done by ``scripts/install``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from yarrow.storage import OpenDALStorage, ProxiedUrlSigner

HERE = Path(__file__).parent
AZURITE_BIN = HERE / "node_modules" / ".bin" / "azurite-blob"
# Azurite's published development account (not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str


@dataclass(frozen=True)
class AzuriteServer:
    endpoint: str
    container: str


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[S3Server]:
    import boto3

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        client.create_bucket(Bucket="yarrow-test")
        yield S3Server(endpoint=endpoint, bucket="yarrow-test")
    finally:
        stop(process)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteServer]:
    from azure.storage.blob import BlobServiceClient

    if not AZURITE_BIN.exists():
        pytest.fail(
            f"Azurite is not installed: run `npm ci` in {HERE} (scripts/install --test does it)"
        )
    port = free_port()
    location = tmp_path_factory.mktemp("azurite")
    process = subprocess.Popen(
        [
            str(AZURITE_BIN),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--location",
            str(location),
            "--silent",
            "--skipApiVersionCheck",
            "--loose",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "AZURITE_ACCOUNTS": ""},
    )
    try:
        wait_for_port(port, process)
        endpoint = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
        connection = (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint={endpoint};"
        )
        with BlobServiceClient.from_connection_string(connection) as service:
            service.create_container("yarrow-test")
        yield AzuriteServer(endpoint=endpoint, container="yarrow-test")
    finally:
        stop(process)


@pytest.fixture
def signer() -> ProxiedUrlSigner:
    return ProxiedUrlSigner(b"test secret", "http://127.0.0.1:5001/files/objects")


def s3_storage(
    server: S3Server,
    *,
    presign: bool = False,
    signer: ProxiedUrlSigner | None = None,
    **extra: str,
) -> OpenDALStorage:
    options = {
        "bucket": server.bucket,
        "endpoint": server.endpoint,
        "region": "us-east-1",
        "access_key_id": "test",
        "secret_access_key": "test",
        "disable_config_load": "true",
        "disable_ec2_metadata": "true",
        "root": f"/t-{uuid.uuid4().hex}/",
        **extra,
    }
    return OpenDALStorage("s3", options, name="s3", presign=presign, signer=signer)


def azure_storage(
    server: AzuriteServer, *, presign: bool = False, signer: ProxiedUrlSigner | None = None
) -> OpenDALStorage:
    options = {
        "container": server.container,
        "endpoint": server.endpoint,
        "account_name": AZURITE_ACCOUNT,
        "account_key": AZURITE_KEY,
        "root": f"/t-{uuid.uuid4().hex}/",
    }
    return OpenDALStorage("azblob", options, name="azure-blob", presign=presign, signer=signer)


async def closing(storage: OpenDALStorage) -> AsyncIterator[OpenDALStorage]:
    try:
        yield storage
    finally:
        await storage.close()
