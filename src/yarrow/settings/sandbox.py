"""Code sandbox settings, API side and service side (Dify §3.8 names)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from yarrow.settings.base import SettingsGroup


class SandboxSettings(SettingsGroup):
    """Where the sandbox is, its key, and the limits code-node output must respect."""

    code_execution_endpoint: str = Field(
        default="http://127.0.0.1:8194", description="Sandbox base URL."
    )
    code_execution_api_key: SecretStr = Field(
        default=SecretStr(""), description="Shared key (X-Api-Key); generated in embedded mode."
    )
    code_execution_connect_timeout: float = Field(default=10.0, gt=0, description="Seconds.")
    code_execution_read_timeout: float = Field(default=60.0, gt=0, description="Seconds.")
    code_execution_write_timeout: float = Field(default=10.0, gt=0, description="Seconds.")
    code_max_number: int = Field(default=9223372036854775807, description="Largest number.")
    code_min_number: int = Field(default=-9223372036854775807, description="Smallest number.")
    code_max_depth: int = Field(default=5, ge=1, description="Output nesting depth.")
    code_max_precision: int = Field(default=20, ge=1, description="Float decimals.")
    code_max_string_length: int = Field(default=400000, ge=1, description="String length.")
    code_max_string_array_length: int = Field(default=30, ge=1, description="String array.")
    code_max_object_array_length: int = Field(default=30, ge=1, description="Object array.")
    code_max_number_array_length: int = Field(default=1000, ge=1, description="Number array.")

    # --- the sandbox service (`yarrow sandbox`); Dify's compose names where Dify has them ---
    sandbox_port: int = Field(default=8194, ge=1, le=65535, description="Sandbox listen port.")
    yarrow_sandbox_host: str = Field(default="127.0.0.1", description="Sandbox listen address.")
    sandbox_worker_timeout: float = Field(
        default=15.0, gt=0, description="Wall-clock seconds one run may take (Dify WORKER_TIMEOUT)."
    )
    sandbox_enable_network: bool = Field(
        default=True,
        description="Give runs that ask for it network, only through the SSRF proxy. When off, "
        "such runs still run, without network.",
    )
    sandbox_http_proxy: str | None = Field(
        default=None,
        description="Proxy every sandbox connection goes through (default: SSRF_PROXY_HTTP_URL); "
        "without one, runs get no network.",
    )
    yarrow_sandbox_max_workers: int = Field(default=4, ge=1, le=256, description="Concurrent runs.")
    yarrow_sandbox_max_requests: int = Field(
        default=50, ge=1, description="Runs admitted (running + waiting); beyond: HTTP 503."
    )
    yarrow_sandbox_cpu_seconds: int = Field(default=10, ge=1, description="CPU seconds per run.")
    yarrow_sandbox_memory_mb: int = Field(default=256, ge=32, description="Memory per run (MiB).")
    yarrow_sandbox_max_processes: int = Field(
        default=64, ge=8, description="Threads per run (processes cannot be created at all)."
    )
    yarrow_sandbox_max_file_size_mb: int = Field(
        default=16, ge=1, description="Largest file a run may write (MiB)."
    )
    yarrow_sandbox_max_open_files: int = Field(
        default=256, ge=16, description="Open file descriptors per run."
    )
    yarrow_sandbox_scratch_mb: int = Field(
        default=64, ge=1, description="Size of each run's private /tmp (MiB)."
    )
    yarrow_sandbox_max_output_bytes: int = Field(
        default=4 << 20,
        ge=1024,
        description="Stdout plus stderr a run may print; then it is killed.",
    )
    yarrow_sandbox_python_path: str = Field(
        default="/usr/bin/python3", description="Python interpreter runs use (not under /root)."
    )
    yarrow_sandbox_nodejs_path: str = Field(
        default="/usr/bin/node", description="Node.js interpreter runs use."
    )
    yarrow_sandbox_python_packages: str = Field(
        default="jinja2,markupsafe,requests,urllib3,idna,certifi,charset_normalizer,chardet,six",
        description="Comma list of installed packages runs may import (read-only).",
    )
    yarrow_sandbox_uid_base: int = Field(
        default=61000, ge=1000, description="Worker slot i runs as uid/gid base+i."
    )
    yarrow_sandbox_prewarm: bool = Field(
        default=True,
        description="Keep a python3 jail started in each idle slot, waiting for its code.",
    )
    yarrow_sandbox_use_cgroups: bool = Field(
        default=True, description="Per-slot cgroup v1 memory/pids/cpuacct limits when available."
    )
