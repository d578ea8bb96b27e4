"""Assembles the sandbox service from plain configuration (no settings loading here)."""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from yarrow.errors import ConfigurationError
from yarrow.sandbox.cgroup import (
    SlotCgroup,
    create_slot_cgroups,
    remove_slot_cgroups,
    remove_stale,
)
from yarrow.sandbox.jail import BubblewrapJail, RunLimits, Slot
from yarrow.sandbox.languages import (
    DEFAULT_PYTHON_PACKAGES,
    Language,
    nodejs_runtime,
    python_runtime,
)
from yarrow.sandbox.netgate import ProxyGate
from yarrow.sandbox.pool import RunPool
from yarrow.sandbox.seccomp import compile_filter

logger = logging.getLogger(__name__)

PR_SET_CHILD_SUBREAPER = 36
#: Slot cgroups live under ``<own cgroup>/yarrow-sandbox-<service pid>``.
CGROUP_PREFIX = "yarrow-sandbox-"


@dataclass(frozen=True)
class SandboxConfig:
    """Everything the sandbox service needs.

    Attributes:
        api_key: the shared key clients send as ``X-Api-Key`` (must not be empty).
        limits: per-run limits.
        max_workers: runs executing at once (one slot, uid and cgroup each).
        max_requests: runs admitted at once, running plus waiting; beyond it HTTP 503.
        uid_base: slot ``i`` runs as uid and gid ``uid_base + i`` (no account needed).
        python_path, nodejs_path: interpreters (must be runnable by an unprivileged user).
        python_packages: third-party packages the python3 runtime may import.
        enable_network: whether runs asking for network get it (only through ``proxy_url``).
        proxy_url: the SSRF proxy network traffic must go through; without it there is no network.
        use_cgroups: put each slot in its own memory/pids/cpuacct cgroup when the host allows.
        prewarm: keep a python3 jail started in every idle slot (takes jail and interpreter
            start-up off the request's latency; costs one waiting interpreter per slot).
    """

    api_key: str
    limits: RunLimits = field(default_factory=RunLimits)
    max_workers: int = 4
    max_requests: int = 50
    uid_base: int = 61000
    python_path: str = "/usr/bin/python3"
    nodejs_path: str = "/usr/bin/node"
    python_packages: Sequence[str] = DEFAULT_PYTHON_PACKAGES
    enable_network: bool = True
    proxy_url: str | None = None
    use_cgroups: bool = True
    prewarm: bool = True


def become_subreaper() -> None:
    """Make this process the reaper of orphaned jail processes (no zombies left to host init)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise ConfigurationError(f"prctl(PR_SET_CHILD_SUBREAPER) failed: {os.strerror(err)}")


class SandboxService:
    """The pool plus the host resources it owns (cgroups); :meth:`close` releases them."""

    def __init__(self, config: SandboxConfig) -> None:
        if not config.api_key:
            raise ConfigurationError(
                "CODE_EXECUTION_API_KEY is empty; the sandbox refuses to run without a key."
            )
        privileged = os.geteuid() == 0
        if not privileged:
            logger.warning(
                "the sandbox is not running as root: every run keeps this user's uid outside its "
                "jail (nobody inside) and no cgroup limits apply; run it as root in production"
            )
        self.config = config
        become_subreaper()
        compile_filter(network=False)  # fail at start-up, not on the first request
        runtimes = {
            Language.PYTHON3.value: python_runtime(config.python_path, config.python_packages)
        }
        if os.path.exists(config.nodejs_path):
            runtimes[Language.NODEJS.value] = nodejs_runtime(config.nodejs_path)
        else:
            logger.warning("no nodejs at %s: the nodejs language is disabled", config.nodejs_path)
        self._cgroups: list[SlotCgroup] = []
        if config.use_cgroups and privileged:
            for stale in remove_stale(CGROUP_PREFIX):
                logger.info("removed the cgroup %s of a sandbox that is gone", stale)
            name = f"{CGROUP_PREFIX}{os.getpid()}"
            self._cgroups = create_slot_cgroups(name, config.max_workers) or []
            if not self._cgroups:
                logger.warning(
                    "no cgroup v1 memory controller: memory is bounded by RLIMIT_AS only, which "
                    "for nodejs is the memory limit plus V8's 2 GiB of reserved address space"
                )
        for cgroup in self._cgroups:
            cgroup.configure(
                memory_bytes=config.limits.memory_bytes, max_processes=config.limits.max_processes
            )
        slots = [
            Slot(
                index=i,
                uid=config.uid_base + i if privileged else None,
                cgroup=self._cgroups[i] if self._cgroups else None,
            )
            for i in range(config.max_workers)
        ]
        gate = None
        if config.enable_network and config.proxy_url:
            gate = ProxyGate(config.proxy_url)
        elif config.enable_network:
            logger.warning(
                "no SSRF proxy configured (SANDBOX_HTTP_PROXY / SSRF_PROXY_HTTP_URL): "
                "runs get no network"
            )
        self.pool = RunPool(
            BubblewrapJail(),
            runtimes,
            config.limits,
            slots,
            max_requests=config.max_requests,
            network=gate,
            prewarm=Language.PYTHON3.value if config.prewarm else None,
        )
        self.pool.warm_up()

    def close(self) -> None:
        """Wait for running jails, then remove the cgroups."""
        self.pool.close()
        remove_slot_cgroups(self._cgroups)
        self._cgroups = []
