"""The shipped conformance suite on the local folder, on S3 (moto_server) and on Azurite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.storage.conftest import (
    AzuriteServer,
    S3Server,
    azure_storage,
    closing,
    s3_storage,
)
from yarrow.settings.storage import StorageSettings
from yarrow.storage import ObjectStorage, ProxiedUrlSigner, build_storage
from yarrow.testing.storage import ObjectStorageConformance


class TestLocalFolder(ObjectStorageConformance):
    """The embedded default: STORAGE_TYPE=opendal, OPENDAL_SCHEME=fs, a folder in the data dir."""

    @pytest.fixture
    async def storage(
        self, tmp_path: Path, signer: ProxiedUrlSigner
    ) -> AsyncIterator[ObjectStorage]:
        settings = StorageSettings.model_validate({})
        storage = build_storage(settings, environ={}, data_dir=tmp_path, signer=signer)
        assert (tmp_path / "storage").is_dir()
        yield storage
        await storage.close()


class TestLocalType(ObjectStorageConformance):
    """Dify's deprecated STORAGE_TYPE=local with STORAGE_LOCAL_PATH."""

    @pytest.fixture
    async def storage(
        self, tmp_path: Path, signer: ProxiedUrlSigner
    ) -> AsyncIterator[ObjectStorage]:
        settings = StorageSettings.model_validate(
            {"storage_type": "local", "storage_local_path": "files"}
        )
        storage = build_storage(settings, environ={}, data_dir=tmp_path, signer=signer)
        yield storage
        await storage.close()


@pytest.mark.live
class TestS3Proxied(ObjectStorageConformance):
    """S3 on moto_server, downloads proxied through Yarrow's signed URLs."""

    @pytest.fixture
    async def storage(
        self, moto_s3: S3Server, signer: ProxiedUrlSigner
    ) -> AsyncIterator[ObjectStorage]:
        async for s in closing(s3_storage(moto_s3, signer=signer)):
            assert not s.capabilities.presign
            yield s


@pytest.mark.live
class TestS3Presigned(ObjectStorageConformance):
    """S3 on moto_server with presigned download URLs."""

    @pytest.fixture
    async def storage(self, moto_s3: S3Server) -> AsyncIterator[ObjectStorage]:
        async for s in closing(s3_storage(moto_s3, presign=True)):
            assert s.capabilities.presign
            yield s


@pytest.mark.live
class TestAzureBlob(ObjectStorageConformance):
    """Azure Blob on Azurite; OpenDAL 0.47 cannot presign azblob, so downloads are proxied."""

    @pytest.fixture
    async def storage(
        self, azurite: AzuriteServer, signer: ProxiedUrlSigner
    ) -> AsyncIterator[ObjectStorage]:
        async for s in closing(azure_storage(azurite, presign=True, signer=signer)):
            assert not s.capabilities.presign
            yield s
