"""Code-execution sandbox: dify-sandbox compatible server, bubblewrap jail runner and client.

- :mod:`yarrow.sandbox.client` — :class:`SandboxClient`, what the workflow code node calls;
- :mod:`yarrow.sandbox.server` — the HTTP API (``yarrow sandbox``);
- :mod:`yarrow.sandbox.supervisor` — :func:`start_sandbox_process` for ``yarrow serve``;
- :mod:`yarrow.sandbox.jail`, :mod:`~yarrow.sandbox.seccomp`, :mod:`~yarrow.sandbox.netgate`,
  :mod:`~yarrow.sandbox.cgroup` — the isolation of one run.

Importing this package does not import the server (FastAPI) or the jail machinery.
"""

from yarrow.sandbox.client import Dependency, ExecutionResult, SandboxClient
from yarrow.sandbox.errors import (
    CodeExecutionError,
    SandboxBusy,
    SandboxRejected,
    SandboxUnavailable,
    UnsupportedLanguage,
)

__all__ = [
    "CodeExecutionError",
    "Dependency",
    "ExecutionResult",
    "SandboxBusy",
    "SandboxClient",
    "SandboxRejected",
    "SandboxUnavailable",
    "UnsupportedLanguage",
]
