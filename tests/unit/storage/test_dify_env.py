"""A Dify ``.env`` goes through Yarrow's settings loader to a working storage and SSRF client."""

from __future__ import annotations

from pathlib import Path

from yarrow.net import build_ssrf_client
from yarrow.settings import load_settings
from yarrow.storage import build_storage

SECRET = "a-long-random-secret-for-tests-only-0123456789"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "SECRET_KEY": SECRET,
        "DB_TYPE": "postgresql",
        "YARROW_DATA_DIR": str(tmp_path),
        **extra,
    }


async def test_dify_compose_defaults_give_a_folder_storage(tmp_path: Path) -> None:
    env = _env(tmp_path, STORAGE_TYPE="opendal", OPENDAL_SCHEME="fs", OPENDAL_FS_ROOT="storage")
    settings = load_settings(embedded=False, environ=env)
    storage = build_storage(settings.storage, environ=env, data_dir=settings.data_dir)
    await storage.save("upload_files/t/1.txt", b"hi")
    assert (tmp_path / "storage" / "upload_files" / "t" / "1.txt").read_bytes() == b"hi"


def test_dify_s3_variables_reach_opendal(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        STORAGE_TYPE="s3",
        S3_ENDPOINT="http://127.0.0.1:9000",
        S3_BUCKET_NAME="dify",
        S3_ACCESS_KEY="ak",
        S3_SECRET_KEY="sk",
        S3_USE_AWS_MANAGED_IAM="false",
        YARROW_STORAGE_MAX_RETRIES="1",
    )
    settings = load_settings(embedded=False, environ=env)
    assert settings.storage.s3_secret_key.get_secret_value() == "sk"
    assert "sk" not in str(settings.redacted())
    storage = build_storage(settings.storage, environ=env, data_dir=settings.data_dir)
    assert storage.name == "s3"


async def test_dify_ssrf_proxy_variables_build_a_client(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        SSRF_PROXY_HTTP_URL="http://127.0.0.1:3128",
        SSRF_PROXY_HTTPS_URL="http://127.0.0.1:3128",
    )
    settings = load_settings(embedded=False, environ=env)
    async with build_ssrf_client(settings.ssrf) as client:
        assert client.follow_redirects
        assert client.max_redirects == settings.ssrf.yarrow_ssrf_max_redirects
