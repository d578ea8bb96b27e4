"""The built-in storage backends: Dify's ``STORAGE_TYPE`` names mapped onto OpenDAL services.

Each backend is an :class:`OpenDALBackend` registered under the ``yarrow.storage`` entry-point
group (see ``pyproject.toml``). ``spec`` turns Dify's variables into an OpenDAL scheme and
options without touching the network; calling the backend builds the storage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from yarrow.settings.storage import StorageSettings
from yarrow.storage.base import ObjectStorage
from yarrow.storage.breaker import StorageBreaker
from yarrow.storage.errors import StorageConfigurationError
from yarrow.storage.opendal_storage import CallLimits, OpenDALStorage
from yarrow.storage.signing import ProxiedUrlSigner

#: Folder (inside the data directory) of the embedded default storage.
DEFAULT_FOLDER = "storage"


@dataclass(frozen=True)
class StorageContext:
    """Everything a backend factory may use.

    Attributes:
        settings: the storage settings group.
        environ: the raw environment mapping (scanned for ``OPENDAL_<SCHEME>_*``).
        data_dir: where relative local folders live.
        signer: signs proxied download URLs when the backend does not presign.
    """

    settings: StorageSettings
    environ: Mapping[str, str] = field(default_factory=dict)
    data_dir: Path = Path(".")
    signer: ProxiedUrlSigner | None = None


@dataclass(frozen=True)
class OpenDALSpec:
    """An OpenDAL service and its options."""

    scheme: str
    options: dict[str, str]


Mapper = Callable[[StorageContext], OpenDALSpec]


class OpenDALBackend:
    """A named backend: a mapping of Dify variables onto one OpenDAL service."""

    def __init__(self, name: str, mapper: Mapper, *, live_tested: bool) -> None:
        self.name = name
        self.live_tested = live_tested
        self._mapper = mapper

    def spec(self, context: StorageContext) -> OpenDALSpec:
        """The OpenDAL scheme and options for ``context`` (no I/O except creating a folder)."""
        return self._mapper(context)

    def __call__(self, context: StorageContext) -> ObjectStorage:
        spec = self.spec(context)
        settings = context.settings
        limits = CallLimits(
            timeout=settings.yarrow_storage_timeout,
            io_timeout=settings.yarrow_storage_io_timeout,
            max_retries=settings.yarrow_storage_max_retries,
            max_concurrency=settings.yarrow_storage_max_concurrency,
        )
        return OpenDALStorage(
            spec.scheme,
            spec.options,
            name=self.name,
            limits=limits,
            presign=settings.yarrow_storage_presigned_urls,
            signer=context.signer,
            breaker=StorageBreaker(
                failure_threshold=settings.yarrow_storage_breaker_threshold,
                reset_timeout=settings.yarrow_storage_breaker_reset,
            ),
        )


def _secret(value: SecretStr) -> str:
    return value.get_secret_value()


def _compact(options: Mapping[str, str]) -> dict[str, str]:
    """Drop empty options so OpenDAL applies its own defaults."""
    return {k: v for k, v in options.items() if v != ""}


def _local_root(context: StorageContext, path: str) -> str:
    root = Path(path or DEFAULT_FOLDER).expanduser()
    if not root.is_absolute():
        root = context.data_dir / root
    root.mkdir(parents=True, exist_ok=True)
    return str(root)


def opendal_options(scheme: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Every ``OPENDAL_<SCHEME>_<OPTION>`` variable as ``{option: value}`` (Dify's scan)."""
    prefix = f"OPENDAL_{scheme.upper().replace('-', '_')}_"
    return {
        name[len(prefix) :].lower(): value
        for name, value in ((k.upper(), v) for k, v in environ.items())
        if name.startswith(prefix) and len(name) > len(prefix)
    }


def _map_opendal(context: StorageContext) -> OpenDALSpec:
    scheme = context.settings.opendal_scheme.strip().lower()
    if not scheme:
        raise StorageConfigurationError("OPENDAL_SCHEME is empty.")
    options = opendal_options(scheme, context.environ)
    if scheme == "fs":
        options["root"] = _local_root(context, options.get("root", ""))
    return OpenDALSpec(scheme, options)


def _map_local(context: StorageContext) -> OpenDALSpec:
    return OpenDALSpec("fs", {"root": _local_root(context, context.settings.storage_local_path)})


def _map_s3(context: StorageContext) -> OpenDALSpec:
    s = context.settings
    style = s.s3_address_style.strip().lower()
    if style not in ("auto", "path", "virtual"):
        raise StorageConfigurationError("S3_ADDRESS_STYLE must be auto, path or virtual.")
    options = {
        "bucket": s.s3_bucket_name,
        "endpoint": s.s3_endpoint,
        "region": s.s3_region or "us-east-1",
        "enable_virtual_host_style": "true" if style == "virtual" else "",
    }
    if not s.s3_use_aws_managed_iam:
        options |= {
            "access_key_id": _secret(s.s3_access_key),
            "secret_access_key": _secret(s.s3_secret_key),
            "disable_config_load": "true",
            "disable_ec2_metadata": "true",
        }
    return OpenDALSpec("s3", _compact(options))


def _map_azure_blob(context: StorageContext) -> OpenDALSpec:
    s = context.settings
    endpoint = (
        s.azure_blob_account_url or f"https://{s.azure_blob_account_name}.blob.core.windows.net"
    )
    options = {
        "container": s.azure_blob_container_name,
        "account_name": s.azure_blob_account_name,
        "account_key": _secret(s.azure_blob_account_key),
        "endpoint": endpoint,
    }
    return OpenDALSpec("azblob", _compact(options))


def _map_google_storage(context: StorageContext) -> OpenDALSpec:
    s = context.settings
    options = {
        "bucket": s.google_storage_bucket_name,
        # OpenDAL's `credential` is the base64 of the service-account JSON, as in Dify.
        "credential": _secret(s.google_storage_service_account_json_base64),
    }
    return OpenDALSpec("gcs", _compact(options))


def _map_aliyun_oss(context: StorageContext) -> OpenDALSpec:
    s = context.settings
    options = {
        "bucket": s.aliyun_oss_bucket_name,
        "endpoint": s.aliyun_oss_endpoint,
        "access_key_id": _secret(s.aliyun_oss_access_key),
        "access_key_secret": _secret(s.aliyun_oss_secret_key),
        "root": s.aliyun_oss_path.strip("/"),
    }
    return OpenDALSpec("oss", _compact(options))


def _map_tencent_cos(context: StorageContext) -> OpenDALSpec:
    s = context.settings
    scheme = s.tencent_cos_scheme or "https"
    if s.tencent_cos_custom_domain:
        domain = s.tencent_cos_custom_domain
        endpoint = domain if "://" in domain else f"{scheme}://{domain}"
    elif s.tencent_cos_region:
        endpoint = f"{scheme}://cos.{s.tencent_cos_region}.myqcloud.com"
    else:
        endpoint = ""
    options = {
        "bucket": s.tencent_cos_bucket_name,
        "endpoint": endpoint,
        "secret_id": _secret(s.tencent_cos_secret_id),
        "secret_key": _secret(s.tencent_cos_secret_key),
        "disable_config_load": "true",
    }
    return OpenDALSpec("cos", _compact(options))


def _map_huawei_obs(context: StorageContext) -> OpenDALSpec:
    s = context.settings
    options = {
        "bucket": s.huawei_obs_bucket_name,
        "endpoint": s.huawei_obs_server,
        "access_key_id": _secret(s.huawei_obs_access_key),
        "secret_access_key": _secret(s.huawei_obs_secret_key),
    }
    return OpenDALSpec("obs", _compact(options))


def _map_volcengine_tos(context: StorageContext) -> OpenDALSpec:
    s = context.settings
    options = {
        "bucket": s.volcengine_tos_bucket_name,
        "endpoint": s.volcengine_tos_endpoint,
        "region": s.volcengine_tos_region,
        "access_key_id": _secret(s.volcengine_tos_access_key),
        "secret_access_key": _secret(s.volcengine_tos_secret_key),
        "disable_config_load": "true",
    }
    return OpenDALSpec("tos", _compact(options))


opendal_backend = OpenDALBackend("opendal", _map_opendal, live_tested=True)
local = OpenDALBackend("local", _map_local, live_tested=True)
s3 = OpenDALBackend("s3", _map_s3, live_tested=True)
azure_blob = OpenDALBackend("azure-blob", _map_azure_blob, live_tested=True)
google_storage = OpenDALBackend("google-storage", _map_google_storage, live_tested=False)
aliyun_oss = OpenDALBackend("aliyun-oss", _map_aliyun_oss, live_tested=False)
tencent_cos = OpenDALBackend("tencent-cos", _map_tencent_cos, live_tested=False)
huawei_obs = OpenDALBackend("huawei-obs", _map_huawei_obs, live_tested=False)
volcengine_tos = OpenDALBackend("volcengine-tos", _map_volcengine_tos, live_tested=False)
