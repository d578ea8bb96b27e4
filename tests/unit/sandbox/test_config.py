"""Settings (Dify names and YARROW_SANDBOX_*) become the sandbox service configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from yarrow.entrypoints.commands_sandbox import sandbox_config_from_settings
from yarrow.errors import ConfigurationError
from yarrow.settings import load_settings


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(embedded=True, environ={"YARROW_DATA_DIR": str(tmp_path)})
    config = sandbox_config_from_settings(settings)
    assert config.api_key  # generated and stored in embedded mode
    assert config.api_key == (tmp_path / "sandbox_key").read_text().strip()
    assert config.limits.wall_seconds == 15.0
    assert config.max_workers == 4 and config.max_requests == 50
    assert config.enable_network is True and config.proxy_url is None
    assert config.python_path == "/usr/bin/python3"
    assert "jinja2" in config.python_packages and "requests" in config.python_packages


def test_dify_and_yarrow_names(tmp_path: Path) -> None:
    environ = {
        "YARROW_DATA_DIR": str(tmp_path),
        "CODE_EXECUTION_API_KEY": "k" * 20,
        "SANDBOX_WORKER_TIMEOUT": "7.5",
        "SANDBOX_ENABLE_NETWORK": "false",
        "SSRF_PROXY_HTTP_URL": "http://ssrf_proxy:3128",
        "YARROW_SANDBOX_MEMORY_MB": "64",
        "YARROW_SANDBOX_CPU_SECONDS": "3",
        "YARROW_SANDBOX_MAX_WORKERS": "2",
        "YARROW_SANDBOX_MAX_REQUESTS": "9",
        "YARROW_SANDBOX_PYTHON_PACKAGES": " jinja2 , six ,",
        "YARROW_SANDBOX_MAX_OUTPUT_BYTES": "2048",
    }
    config = sandbox_config_from_settings(load_settings(embedded=True, environ=environ))
    assert config.api_key == "k" * 20
    assert config.limits.wall_seconds == 7.5
    assert config.limits.memory_bytes == 64 << 20 and config.limits.cpu_seconds == 3
    assert config.limits.max_output_bytes == 2048
    assert (config.max_workers, config.max_requests) == (2, 9)
    assert config.enable_network is False
    assert config.proxy_url == "http://ssrf_proxy:3128"  # falls back to the SSRF proxy
    assert config.python_packages == ("jinja2", "six")
    explicit = dict(environ, SANDBOX_HTTP_PROXY="http://squid:3128")
    assert sandbox_config_from_settings(
        load_settings(embedded=True, environ=explicit)
    ).proxy_url == ("http://squid:3128")


def test_invalid_limits_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        load_settings(
            embedded=True,
            environ={"YARROW_DATA_DIR": str(tmp_path), "YARROW_SANDBOX_MEMORY_MB": "1"},
        )
