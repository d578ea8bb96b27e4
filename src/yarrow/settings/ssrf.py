"""Outbound HTTP and SSRF settings (Dify §3.9 names)."""

from __future__ import annotations

from pydantic import Field

from yarrow.settings.base import SettingsGroup


class SsrfSettings(SettingsGroup):
    """Proxy and limits for every fetch of a user-supplied URL."""

    ssrf_proxy_http_url: str | None = Field(default=None, description="HTTP egress proxy.")
    ssrf_proxy_https_url: str | None = Field(default=None, description="HTTPS egress proxy.")
    ssrf_default_time_out: float = Field(default=5.0, gt=0, description="Seconds.")
    ssrf_default_connect_time_out: float = Field(default=5.0, gt=0, description="Seconds.")
    ssrf_default_read_time_out: float = Field(default=5.0, gt=0, description="Seconds.")
    ssrf_default_write_time_out: float = Field(default=5.0, gt=0, description="Seconds.")
    ssrf_default_max_retries: int = Field(default=3, ge=0, description="Retries.")
    http_request_node_max_binary_size: int = Field(default=10485760, ge=1, description="Bytes.")
    http_request_node_max_text_size: int = Field(default=1048576, ge=1, description="Bytes.")
