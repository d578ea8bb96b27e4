"""``yarrow sandbox``: the code-execution service (dify-sandbox's API) on its own port."""

from __future__ import annotations

import logging
import os
import sys

import click

from yarrow.errors import YarrowError
from yarrow.sandbox.jail import RunLimits
from yarrow.sandbox.service import SandboxConfig
from yarrow.sandbox.supervisor import PARENT_PID_VARIABLE, watch_parent
from yarrow.settings import Settings, load_settings
from yarrow.settings.core import PUBLISHED_PLACEHOLDER_SECRETS

logger = logging.getLogger("yarrow.sandbox")


def sandbox_config_from_settings(settings: Settings) -> SandboxConfig:
    """The sandbox service configuration described by ``settings``."""
    group = settings.sandbox
    mib = 1 << 20
    limits = RunLimits(
        wall_seconds=group.sandbox_worker_timeout,
        cpu_seconds=group.yarrow_sandbox_cpu_seconds,
        memory_bytes=group.yarrow_sandbox_memory_mb * mib,
        max_processes=group.yarrow_sandbox_max_processes,
        max_file_bytes=group.yarrow_sandbox_max_file_size_mb * mib,
        max_open_files=group.yarrow_sandbox_max_open_files,
        scratch_bytes=group.yarrow_sandbox_scratch_mb * mib,
        max_output_bytes=group.yarrow_sandbox_max_output_bytes,
    )
    packages = [p.strip() for p in group.yarrow_sandbox_python_packages.split(",") if p.strip()]
    return SandboxConfig(
        api_key=group.code_execution_api_key.get_secret_value(),
        limits=limits,
        max_workers=group.yarrow_sandbox_max_workers,
        max_requests=group.yarrow_sandbox_max_requests,
        uid_base=group.yarrow_sandbox_uid_base,
        python_path=group.yarrow_sandbox_python_path,
        nodejs_path=group.yarrow_sandbox_nodejs_path,
        python_packages=tuple(packages),
        enable_network=group.sandbox_enable_network,
        proxy_url=group.sandbox_http_proxy or settings.ssrf.ssrf_proxy_http_url,
        use_cgroups=group.yarrow_sandbox_use_cgroups,
        prewarm=group.yarrow_sandbox_prewarm,
    )


@click.command("sandbox")
@click.option("--host", default=None, help="Listen address (default YARROW_SANDBOX_HOST).")
@click.option("--port", type=int, default=None, help="Listen port (default SANDBOX_PORT, 8194).")
def sandbox(host: str | None, port: int | None) -> None:
    """Run the code sandbox (dify-sandbox API; key from CODE_EXECUTION_API_KEY)."""
    import uvicorn

    from yarrow.sandbox.server import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = load_settings(embedded=True)
        config = sandbox_config_from_settings(settings)
    except YarrowError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    parent = os.environ.get(PARENT_PID_VARIABLE, "")
    if parent.isdigit():
        watch_parent(int(parent))
    if config.api_key in PUBLISHED_PLACEHOLDER_SECRETS:
        logger.warning("CODE_EXECUTION_API_KEY is Dify's published default; set a random key")
    uvicorn.run(
        create_app(config),
        host=host or settings.sandbox.yarrow_sandbox_host,
        port=port or settings.sandbox.sandbox_port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )


COMMANDS: list[click.Command] = [sandbox]
