"""Dify's storage variables mapped onto OpenDAL services, and the backend registry.

``google-storage``, ``aliyun-oss``, ``tencent-cos``, ``huawei-obs`` and ``volcengine-tos`` are
covered here only: their mapping is checked and OpenDAL accepts the options (the operator is
built offline), but they are NOT run against a live service (none can run on this machine).
``local``/``opendal`` (fs), ``s3`` (moto) and ``azure-blob`` (Azurite) also run the conformance
suite in ``tests/integration/storage``.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from yarrow.errors import ConfigurationError
from yarrow.settings.storage import StorageSettings
from yarrow.storage import (
    OpenDALStorage,
    StorageConfigurationError,
    StorageContext,
    available_backends,
    build_storage,
    get_backend,
)
from yarrow.storage import backends as b

DIFY_TYPES = [
    "opendal",
    "local",
    "s3",
    "azure-blob",
    "google-storage",
    "aliyun-oss",
    "tencent-cos",
    "huawei-obs",
    "volcengine-tos",
]
NOT_RUN_LIVE = ["google-storage", "aliyun-oss", "tencent-cos", "huawei-obs", "volcengine-tos"]


def _context(env: dict[str, str], data_dir: Path) -> StorageContext:
    lowered = {k.lower(): v for k, v in env.items()}
    fields = {k: v for k, v in lowered.items() if k in StorageSettings.model_fields}
    return StorageContext(StorageSettings.model_validate(fields), env, data_dir)


def _spec(name: str, env: dict[str, str], data_dir: Path) -> b.OpenDALSpec:
    backend = get_backend(name)
    assert isinstance(backend, b.OpenDALBackend)
    return backend.spec(_context(env, data_dir))


def test_every_dify_type_is_registered_through_entry_points() -> None:
    assert set(DIFY_TYPES) <= set(available_backends())


@pytest.mark.parametrize("name", NOT_RUN_LIVE)
def test_types_without_an_emulator_are_flagged_not_live(name: str) -> None:
    backend = get_backend(name)
    assert isinstance(backend, b.OpenDALBackend)
    assert backend.live_tested is False


def test_embedded_default_is_a_folder_in_the_data_dir(tmp_path: Path) -> None:
    spec = _spec("opendal", {}, tmp_path)
    assert spec == b.OpenDALSpec("fs", {"root": str(tmp_path / "storage")})
    assert (tmp_path / "storage").is_dir()


def test_opendal_scans_only_its_scheme_variables(tmp_path: Path) -> None:
    env = {
        "STORAGE_TYPE": "opendal",
        "OPENDAL_SCHEME": "s3",
        "OPENDAL_S3_BUCKET": "b1",
        "opendal_s3_endpoint": "http://127.0.0.1:9000",
        "OPENDAL_S3_ACCESS_KEY_ID": "ak",
        "OPENDAL_FS_ROOT": "/ignored",
        "OPENDAL_S3_": "no option name",
        "S3_BUCKET_NAME": "not-this-one",
    }
    spec = _spec("opendal", env, tmp_path)
    assert spec == b.OpenDALSpec(
        "s3", {"bucket": "b1", "endpoint": "http://127.0.0.1:9000", "access_key_id": "ak"}
    )


def test_opendal_fs_root_relative_to_data_dir_or_absolute(tmp_path: Path) -> None:
    rel = _spec("opendal", {"OPENDAL_SCHEME": "fs", "OPENDAL_FS_ROOT": "files"}, tmp_path)
    assert rel.options["root"] == str(tmp_path / "files")
    absolute = tmp_path / "elsewhere"
    spec = _spec("opendal", {"OPENDAL_SCHEME": "fs", "OPENDAL_FS_ROOT": str(absolute)}, tmp_path)
    assert spec.options["root"] == str(absolute)
    assert absolute.is_dir()


def test_local_uses_storage_local_path(tmp_path: Path) -> None:
    assert _spec("local", {}, tmp_path).options == {"root": str(tmp_path / "storage")}
    spec = _spec("local", {"STORAGE_LOCAL_PATH": "uploads"}, tmp_path)
    assert spec == b.OpenDALSpec("fs", {"root": str(tmp_path / "uploads")})


def test_s3_with_keys(tmp_path: Path) -> None:
    env = {
        "S3_ENDPOINT": "https://minio.internal:9000",
        "S3_REGION": "eu-west-1",
        "S3_BUCKET_NAME": "dify",
        "S3_ACCESS_KEY": "AK",
        "S3_SECRET_KEY": "SK",
    }
    assert _spec("s3", env, tmp_path) == b.OpenDALSpec(
        "s3",
        {
            "bucket": "dify",
            "endpoint": "https://minio.internal:9000",
            "region": "eu-west-1",
            "access_key_id": "AK",
            "secret_access_key": "SK",
            "disable_config_load": "true",
            "disable_ec2_metadata": "true",
        },
    )


def test_s3_managed_iam_and_virtual_host_style(tmp_path: Path) -> None:
    env = {
        "S3_USE_AWS_MANAGED_IAM": "true",
        "S3_ADDRESS_STYLE": "virtual",
        "S3_ACCESS_KEY": "ignored",
        "S3_REGION": "",
    }
    assert _spec("s3", env, tmp_path) == b.OpenDALSpec(
        "s3", {"bucket": "difyai", "region": "us-east-1", "enable_virtual_host_style": "true"}
    )


def test_s3_rejects_an_unknown_address_style(tmp_path: Path) -> None:
    with pytest.raises(StorageConfigurationError, match="S3_ADDRESS_STYLE"):
        _spec("s3", {"S3_ADDRESS_STYLE": "sideways"}, tmp_path)


def test_azure_blob_default_and_custom_account_url(tmp_path: Path) -> None:
    env = {"AZURE_BLOB_ACCOUNT_NAME": "acct", "AZURE_BLOB_ACCOUNT_KEY": "a2V5"}
    spec = _spec("azure-blob", env, tmp_path)
    assert spec == b.OpenDALSpec(
        "azblob",
        {
            "container": "difyai-container",
            "account_name": "acct",
            "account_key": "a2V5",
            "endpoint": "https://acct.blob.core.windows.net",
        },
    )
    env["AZURE_BLOB_ACCOUNT_URL"] = "http://127.0.0.1:10000/acct"
    assert _spec("azure-blob", env, tmp_path).options["endpoint"] == "http://127.0.0.1:10000/acct"


def test_google_storage_not_run_live(tmp_path: Path) -> None:
    credential = base64.b64encode(b'{"type": "service_account"}').decode()
    env = {
        "GOOGLE_STORAGE_BUCKET_NAME": "g",
        "GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64": credential,
    }
    assert _spec("google-storage", env, tmp_path) == b.OpenDALSpec(
        "gcs", {"bucket": "g", "credential": credential}
    )


def test_aliyun_oss_not_run_live(tmp_path: Path) -> None:
    env = {
        "ALIYUN_OSS_BUCKET_NAME": "o",
        "ALIYUN_OSS_ACCESS_KEY": "ak",
        "ALIYUN_OSS_SECRET_KEY": "sk",
        "ALIYUN_OSS_ENDPOINT": "https://oss-ap-southeast-1-internal.aliyuncs.com",
        "ALIYUN_OSS_REGION": "ap-southeast-1",
        "ALIYUN_OSS_PATH": "/dify/files/",
    }
    assert _spec("aliyun-oss", env, tmp_path) == b.OpenDALSpec(
        "oss",
        {
            "bucket": "o",
            "endpoint": "https://oss-ap-southeast-1-internal.aliyuncs.com",
            "access_key_id": "ak",
            "access_key_secret": "sk",
            "root": "dify/files",
        },
    )


def test_tencent_cos_not_run_live(tmp_path: Path) -> None:
    env = {
        "TENCENT_COS_BUCKET_NAME": "bucket-1250000000",
        "TENCENT_COS_SECRET_ID": "id",
        "TENCENT_COS_SECRET_KEY": "key",
        "TENCENT_COS_REGION": "ap-shanghai",
    }
    spec = _spec("tencent-cos", env, tmp_path)
    assert spec == b.OpenDALSpec(
        "cos",
        {
            "bucket": "bucket-1250000000",
            "endpoint": "https://cos.ap-shanghai.myqcloud.com",
            "secret_id": "id",
            "secret_key": "key",
            "disable_config_load": "true",
        },
    )
    env |= {"TENCENT_COS_CUSTOM_DOMAIN": "files.example.com", "TENCENT_COS_SCHEME": "http"}
    assert _spec("tencent-cos", env, tmp_path).options["endpoint"] == "http://files.example.com"


def test_huawei_obs_not_run_live(tmp_path: Path) -> None:
    env = {
        "HUAWEI_OBS_BUCKET_NAME": "h",
        "HUAWEI_OBS_ACCESS_KEY": "ak",
        "HUAWEI_OBS_SECRET_KEY": "sk",
        "HUAWEI_OBS_SERVER": "https://obs.cn-north-4.myhuaweicloud.com",
    }
    assert _spec("huawei-obs", env, tmp_path) == b.OpenDALSpec(
        "obs",
        {
            "bucket": "h",
            "endpoint": "https://obs.cn-north-4.myhuaweicloud.com",
            "access_key_id": "ak",
            "secret_access_key": "sk",
        },
    )


def test_volcengine_tos_not_run_live(tmp_path: Path) -> None:
    env = {
        "VOLCENGINE_TOS_BUCKET_NAME": "v",
        "VOLCENGINE_TOS_ACCESS_KEY": "ak",
        "VOLCENGINE_TOS_SECRET_KEY": "sk",
        "VOLCENGINE_TOS_ENDPOINT": "https://tos-cn-beijing.volces.com",
        "VOLCENGINE_TOS_REGION": "cn-beijing",
    }
    assert _spec("volcengine-tos", env, tmp_path) == b.OpenDALSpec(
        "tos",
        {
            "bucket": "v",
            "endpoint": "https://tos-cn-beijing.volces.com",
            "region": "cn-beijing",
            "access_key_id": "ak",
            "secret_access_key": "sk",
            "disable_config_load": "true",
        },
    )


NAMED_ENVS: dict[str, dict[str, str]] = {
    "google-storage": {"GOOGLE_STORAGE_BUCKET_NAME": "g"},
    "aliyun-oss": {"ALIYUN_OSS_BUCKET_NAME": "o", "ALIYUN_OSS_ENDPOINT": "https://oss.example"},
    "tencent-cos": {"TENCENT_COS_BUCKET_NAME": "c-1", "TENCENT_COS_REGION": "ap-shanghai"},
    "huawei-obs": {"HUAWEI_OBS_BUCKET_NAME": "h", "HUAWEI_OBS_SERVER": "https://obs.example"},
    "volcengine-tos": {"VOLCENGINE_TOS_BUCKET_NAME": "v", "VOLCENGINE_TOS_REGION": "cn-beijing"},
    "s3": {"S3_ENDPOINT": "http://127.0.0.1:1", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "s"},
    "azure-blob": {"AZURE_BLOB_ACCOUNT_KEY": base64.b64encode(b"k").decode()},
}


@pytest.mark.parametrize("name", sorted(NAMED_ENVS))
def test_opendal_accepts_the_mapped_options(name: str, tmp_path: Path) -> None:
    context = _context({"STORAGE_TYPE": name, **NAMED_ENVS[name]}, tmp_path)
    storage = build_storage(context.settings, environ=context.environ, data_dir=tmp_path)
    assert isinstance(storage, OpenDALStorage)
    assert storage.name == name
    assert storage.capabilities.content_type


def test_storage_type_is_case_insensitive(tmp_path: Path) -> None:
    context = _context({"STORAGE_TYPE": " Local "}, tmp_path)
    storage = build_storage(context.settings, environ={}, data_dir=tmp_path)
    assert storage.name == "local"
    assert not storage.capabilities.presign


def test_unknown_type_lists_the_installed_backends(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        get_backend("floppy-disk")
    assert "floppy-disk" in info.value.message
    assert "azure-blob" in info.value.message and "s3" in info.value.message


def test_dify_type_yarrow_does_not_support_says_so() -> None:
    with pytest.raises(StorageConfigurationError, match="Dify supports it, Yarrow does not"):
        get_backend("supabase")


def test_opendal_rejects_an_unknown_scheme(tmp_path: Path) -> None:
    context = _context({"OPENDAL_SCHEME": "no-such-service"}, tmp_path)
    with pytest.raises(StorageConfigurationError, match="no-such-service"):
        build_storage(context.settings, environ=context.environ, data_dir=tmp_path)


def test_opendal_rejects_an_empty_scheme(tmp_path: Path) -> None:
    context = _context({"OPENDAL_SCHEME": " "}, tmp_path)
    with pytest.raises(StorageConfigurationError, match="OPENDAL_SCHEME"):
        build_storage(context.settings, environ=context.environ, data_dir=tmp_path)


def test_s3_without_bucket_is_a_configuration_error(tmp_path: Path) -> None:
    context = _context({"OPENDAL_SCHEME": "s3", "OPENDAL_S3_REGION": "x"}, tmp_path)
    with pytest.raises(StorageConfigurationError):
        build_storage(context.settings, environ=context.environ, data_dir=tmp_path)


def test_presign_setting_needs_a_capable_backend(tmp_path: Path) -> None:
    env = {"YARROW_STORAGE_PRESIGNED_URLS": "true", **NAMED_ENVS["s3"], "STORAGE_TYPE": "s3"}
    s3 = _context(env, tmp_path)
    assert build_storage(s3.settings, environ=env, data_dir=tmp_path).capabilities.presign
    fs = _context({"YARROW_STORAGE_PRESIGNED_URLS": "true"}, tmp_path)
    assert not build_storage(fs.settings, environ={}, data_dir=tmp_path).capabilities.presign
