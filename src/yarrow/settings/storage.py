"""Object storage settings (Dify §3.6 names), read by ``yarrow.storage.build_storage``.

``OPENDAL_<SCHEME>_<OPTION>`` variables are open-ended, so they are not fields here: the storage
factory scans them from the environment mapping it is given.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from yarrow.settings.base import SettingsGroup


class StorageSettings(SettingsGroup):
    """Which object storage, its credentials, and Yarrow's call limits."""

    storage_type: str = Field(
        default="opendal",
        description="opendal, local, s3, azure-blob, google-storage, aliyun-oss, tencent-cos, "
        "huawei-obs or volcengine-tos.",
    )
    storage_local_path: str = Field(
        default="storage", description="Folder for `local`; relative paths are in the data dir."
    )
    opendal_scheme: str = Field(
        default="fs", description="OpenDAL service name; options come from OPENDAL_<SCHEME>_*."
    )
    # S3 and S3-compatible
    s3_endpoint: str = Field(default="", description="S3 endpoint URL (empty: AWS).")
    s3_region: str = Field(default="us-east-1", description="S3 signing region.")
    s3_bucket_name: str = Field(default="difyai", description="S3 bucket.")
    s3_access_key: SecretStr = Field(default=SecretStr(""), description="S3 access key.")
    s3_secret_key: SecretStr = Field(default=SecretStr(""), description="S3 secret key.")
    s3_address_style: str = Field(
        default="auto", description="auto or path (path-style URLs), virtual (virtual-host)."
    )
    s3_use_aws_managed_iam: bool = Field(
        default=False, description="Use instance/IRSA credentials instead of keys."
    )
    # Azure Blob
    azure_blob_account_name: str = Field(default="difyai", description="Azure account.")
    azure_blob_account_key: SecretStr = Field(default=SecretStr(""), description="Azure key.")
    azure_blob_container_name: str = Field(default="difyai-container", description="Container.")
    azure_blob_account_url: str = Field(
        default="", description="Account URL (empty: https://<account>.blob.core.windows.net)."
    )
    # Google Cloud Storage
    google_storage_bucket_name: str = Field(default="", description="GCS bucket.")
    google_storage_service_account_json_base64: SecretStr = Field(
        default=SecretStr(""), description="Base64 of the service-account JSON."
    )
    # Aliyun OSS
    aliyun_oss_bucket_name: str = Field(default="", description="OSS bucket.")
    aliyun_oss_access_key: SecretStr = Field(default=SecretStr(""), description="OSS key id.")
    aliyun_oss_secret_key: SecretStr = Field(default=SecretStr(""), description="OSS secret.")
    aliyun_oss_endpoint: str = Field(default="", description="OSS endpoint URL.")
    aliyun_oss_region: str = Field(default="", description="OSS region (kept for Dify).")
    aliyun_oss_auth_version: str = Field(default="v4", description="Kept for Dify; unused.")
    aliyun_oss_path: str = Field(default="", description="Root folder inside the bucket.")
    # Tencent COS
    tencent_cos_bucket_name: str = Field(default="", description="COS bucket (with app id).")
    tencent_cos_secret_id: SecretStr = Field(default=SecretStr(""), description="COS id.")
    tencent_cos_secret_key: SecretStr = Field(default=SecretStr(""), description="COS key.")
    tencent_cos_region: str = Field(default="", description="COS region, e.g. ap-shanghai.")
    tencent_cos_scheme: str = Field(default="https", description="http or https.")
    tencent_cos_custom_domain: str = Field(default="", description="Custom endpoint domain.")
    # Huawei OBS
    huawei_obs_bucket_name: str = Field(default="", description="OBS bucket.")
    huawei_obs_access_key: SecretStr = Field(default=SecretStr(""), description="OBS key.")
    huawei_obs_secret_key: SecretStr = Field(default=SecretStr(""), description="OBS secret.")
    huawei_obs_server: str = Field(default="", description="OBS endpoint URL.")
    huawei_obs_path_style: bool = Field(default=False, description="Kept for Dify; unused.")
    # Volcengine TOS
    volcengine_tos_bucket_name: str = Field(default="", description="TOS bucket.")
    volcengine_tos_access_key: SecretStr = Field(default=SecretStr(""), description="TOS key.")
    volcengine_tos_secret_key: SecretStr = Field(default=SecretStr(""), description="TOS secret.")
    volcengine_tos_endpoint: str = Field(default="", description="TOS endpoint URL.")
    volcengine_tos_region: str = Field(default="", description="TOS region.")
    # Yarrow-only call limits
    yarrow_storage_timeout: float = Field(
        default=30.0, gt=0, description="Seconds for one metadata call (stat, delete, list page)."
    )
    yarrow_storage_io_timeout: float = Field(
        default=60.0, gt=0, description="Seconds one read or write of a chunk may stall."
    )
    yarrow_storage_max_retries: int = Field(
        default=3, ge=0, description="Retries (with jittered backoff) of a temporary failure."
    )
    yarrow_storage_max_concurrency: int = Field(
        default=16, ge=1, description="Storage calls in flight at once (own worker threads)."
    )
    yarrow_storage_breaker_threshold: int = Field(
        default=5, ge=1, description="Failed calls in a row that open the circuit breaker."
    )
    yarrow_storage_breaker_reset: float = Field(
        default=30.0, gt=0, description="Seconds the open breaker refuses calls before a trial."
    )
    yarrow_storage_presigned_urls: bool = Field(
        default=False,
        description="Hand out the backend's presigned URLs for downloads; otherwise downloads "
        "are proxied through Yarrow's signed /files URLs.",
    )
