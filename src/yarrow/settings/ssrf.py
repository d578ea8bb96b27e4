"""Outbound HTTP and SSRF settings (Dify §3.9 names, plus ``YARROW_SSRF_*``)."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator

from yarrow.settings.base import SettingsGroup


class SsrfSettings(SettingsGroup):
    """Proxy and limits for every fetch of a user-supplied URL."""

    ssrf_proxy_http_url: str | None = Field(
        default=None, description="Egress proxy for http:// URLs (e.g. the squid we ship)."
    )
    ssrf_proxy_https_url: str | None = Field(
        default=None, description="Egress proxy for https:// URLs."
    )
    ssrf_proxy_all_url: str | None = Field(
        default=None, description="Egress proxy for both schemes when the two above are unset."
    )
    ssrf_default_time_out: float = Field(default=5.0, gt=0, description="Seconds (pool wait).")
    ssrf_default_connect_time_out: float = Field(default=5.0, gt=0, description="Seconds.")
    ssrf_default_read_time_out: float = Field(default=5.0, gt=0, description="Seconds.")
    ssrf_default_write_time_out: float = Field(default=5.0, gt=0, description="Seconds.")
    ssrf_default_max_retries: int = Field(default=3, ge=0, description="Retries.")
    ssrf_pool_max_connections: int = Field(default=100, ge=1, description="Pool size.")
    ssrf_pool_max_keepalive_connections: int = Field(
        default=20, ge=0, description="Idle connections kept."
    )
    ssrf_pool_keepalive_expiry: float = Field(
        default=5.0, ge=0, description="Seconds an idle connection is kept."
    )
    http_request_node_max_binary_size: int = Field(default=10485760, ge=1, description="Bytes.")
    http_request_node_max_text_size: int = Field(default=1048576, ge=1, description="Bytes.")
    yarrow_ssrf_allowed_networks: str = Field(
        default="",
        description="Comma-separated CIDRs that user-supplied URLs MAY reach although they are "
        "private (e.g. `10.1.2.0/24`); for tests and trusted internal services only.",
    )
    yarrow_ssrf_total_time_out: float = Field(
        default=60.0, gt=0, description="Seconds one fetch may take, connect to last byte."
    )
    yarrow_ssrf_max_redirects: int = Field(
        default=5, ge=0, description="Redirect hops followed (each one re-checked)."
    )

    @field_validator("yarrow_ssrf_allowed_networks")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip():
                ipaddress.ip_network(item.strip(), strict=False)
        return value

    @property
    def allowed_networks(self) -> list[str]:
        """``YARROW_SSRF_ALLOWED_NETWORKS`` as a list of CIDR strings."""
        return [
            item.strip() for item in self.yarrow_ssrf_allowed_networks.split(",") if item.strip()
        ]
