"""Object storage settings (Dify §3.6 names). Extended by the storage backends."""

from __future__ import annotations

from pydantic import Field, SecretStr

from yarrow.settings.base import SettingsGroup


class StorageSettings(SettingsGroup):
    """Which object storage, and its credentials."""

    storage_type: str = Field(
        default="opendal", description="opendal, local, s3, azure-blob, google-storage, ..."
    )
    storage_local_path: str = Field(default="storage", description="Folder for `local`.")
    opendal_scheme: str = Field(default="fs", description="OpenDAL service name.")
    s3_endpoint: str = Field(default="", description="S3 endpoint URL.")
    s3_region: str = Field(default="us-east-1", description="S3 region.")
    s3_bucket_name: str = Field(default="difyai", description="S3 bucket.")
    s3_access_key: SecretStr = Field(default=SecretStr(""), description="S3 access key.")
    s3_secret_key: SecretStr = Field(default=SecretStr(""), description="S3 secret key.")
    s3_address_style: str = Field(default="auto", description="auto, path or virtual.")
    s3_use_aws_managed_iam: bool = Field(default=False, description="Use instance IAM.")
    azure_blob_account_name: str = Field(default="difyai", description="Azure account.")
    azure_blob_account_key: SecretStr = Field(default=SecretStr(""), description="Azure key.")
    azure_blob_container_name: str = Field(default="difyai-container", description="Container.")
    azure_blob_account_url: str = Field(default="", description="Azure account URL.")
