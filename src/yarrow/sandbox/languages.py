"""The two runtimes Dify's code node uses, and the read-only file-system view each one gets.

A :class:`Runtime` says which host paths are bound read-only into the jail and the command line; the
run's ``preload`` and ``code`` reach the interpreter on its stdin, so a jail can be started before
its code is known. Nothing outside the binds exists in the jail: no shell, no other program, no
host configuration, no home directory.
"""

from __future__ import annotations

import enum
import json
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from yarrow.errors import ConfigurationError

#: Python packages exposed by default: what Dify's sandbox ships for code and template nodes.
DEFAULT_PYTHON_PACKAGES: tuple[str, ...] = (
    "jinja2", "markupsafe", "requests", "urllib3", "idna", "certifi", "charset_normalizer",
    "chardet", "six",
)  # fmt: skip

#: Host paths bound read-only into every jail when they exist (shared libraries and CA roots).
_COMMON_BINDS: tuple[str, ...] = ("/etc/ssl/certs", "/usr/share/zoneinfo")

# Both boots read one JSON object {"preload": ..., "code": ...} from stdin, then run the preload and
# the code; everything they run is user code under the policy the jail installed before the
# interpreter started. Python: one __main__ namespace, source kept for tracebacks.
_PYTHON_BOOT = """\
def _yarrow_boot():
    import json, linecache, sys
    g = sys.modules["__main__"].__dict__
    del g["_yarrow_boot"]
    job = json.loads(sys.stdin.buffer.read())
    for path, key in (("/sandbox/preload.py", "preload"), ("/sandbox/main.py", "code")):
        src = job[key]
        linecache.cache[path] = (len(src), None, src.splitlines(True), path)
        exec(compile(src, path, "exec"), g)
_yarrow_boot()
"""

# Node.js: each part is compiled as a CommonJS module (require, module, exports as in a file).
_NODE_BOOT = """\
(() => {
  const Module = require("module");
  const job = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const parts = [["/sandbox/preload.js", job.preload], ["/sandbox/main.js", job.code]];
  for (const [path, src] of parts) {
    if (!src) continue;
    const m = new Module(path, null);
    m.filename = path;
    m.paths = [];
    m._compile(src, path);
  }
})();
"""


class Language(enum.StrEnum):
    """Languages of Dify's sandbox API (``language`` field)."""

    PYTHON3 = "python3"
    NODEJS = "nodejs"


@dataclass(frozen=True)
class Runtime:
    """How to run one language inside a jail.

    Attributes:
        language: the API name.
        interpreter: absolute host path of the interpreter (bound at the same path).
        binds: host paths bound read-only at the same path inside the jail.
        symlinks: ``(target, link)`` pairs created inside the jail.
        extra_address_space: bytes added to the memory limit for ``RLIMIT_AS`` (V8 reserves
            address space it never touches; the memory cgroup bounds what is really used).
        version: interpreter version string.
        packages: importable third-party packages (name, version).
    """

    language: Language
    interpreter: str
    binds: tuple[str, ...]
    symlinks: tuple[tuple[str, str], ...] = ()
    extra_address_space: int = 0
    version: str = ""
    packages: tuple[tuple[str, str], ...] = field(default=())

    def job(self, code: str, preload: str) -> bytes:
        """What the jail's boot reads from stdin: the run's preload and code."""
        return json.dumps({"preload": preload, "code": code}).encode()

    def command(self, *, memory_bytes: int) -> list[str]:
        """The command line executed inside the jail (the boot waits for its job on stdin)."""
        if self.language is Language.PYTHON3:
            return [self.interpreter, "-I", "-B", "-c", _PYTHON_BOOT]
        heap_mb = max(16, memory_bytes // (1 << 20))
        return [
            self.interpreter,
            "--no-addons",
            f"--max-old-space-size={heap_mb}",
            "-e",
            _NODE_BOOT,
        ]


def library_binds() -> tuple[str, ...]:
    """Directories holding the shared libraries and the dynamic loader."""
    machine = platform.machine()
    multiarch = {"x86_64": "x86_64-linux-gnu", "aarch64": "aarch64-linux-gnu"}.get(machine, "")
    candidates = [f"/usr/lib/{multiarch}" if multiarch else "/usr/lib", "/usr/lib64"]
    return tuple(p for p in [*candidates, *_COMMON_BINDS] if os.path.isdir(p))


def _merged_usr_links() -> tuple[tuple[str, str], ...]:
    return (("usr/lib", "/lib"), ("usr/lib64", "/lib64"), ("usr/bin", "/bin"))


def _check_interpreter(path: str) -> str:
    resolved = os.path.realpath(path)
    if not os.path.isfile(resolved) or not os.access(resolved, os.X_OK):
        raise ConfigurationError(
            f"Sandbox interpreter {path!r} does not exist or is not executable."
        )
    for parent in Path(resolved).parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            raise ConfigurationError(
                f"Sandbox interpreter {resolved} sits under {parent}, which an unprivileged user "
                "cannot enter; use a system interpreter such as /usr/bin/python3."
            )
    return resolved


_PY_PROBE = (
    "import json, sys, sysconfig\n"
    "print(json.dumps({'version': sys.version.split()[0], "
    "'stdlib': sysconfig.get_path('stdlib'), 'path': sys.path}))"
)


def python_runtime(interpreter: str, packages: Sequence[str] = DEFAULT_PYTHON_PACKAGES) -> Runtime:
    """The python3 runtime: the interpreter, its standard library and the allowed packages only.

    Raises:
        ConfigurationError: the interpreter is missing or cannot run as an unprivileged user.
    """
    real = _check_interpreter(interpreter)
    probe = subprocess.run(
        [real, "-I", "-c", _PY_PROBE], capture_output=True, text=True, timeout=30, env={}
    )
    if probe.returncode != 0:
        raise ConfigurationError(f"Sandbox interpreter {real} failed: {probe.stderr.strip()}")
    info = json.loads(probe.stdout)
    binds: list[str] = [real, info["stdlib"], *library_binds()]
    dynload = os.path.join(info["stdlib"], "lib-dynload")
    found: list[tuple[str, str]] = []
    for name in packages:
        located = _locate_package(name, [p for p in info["path"] if p and p != dynload])
        if located is None:
            continue
        package_path, metadata_path, version = located
        binds += [package_path, *([metadata_path] if metadata_path else [])]
        found.append((name, version))
    links = list(_merged_usr_links())
    if real != interpreter:
        links.append((real, interpreter))
    return Runtime(
        language=Language.PYTHON3,
        interpreter=interpreter,
        binds=tuple(dict.fromkeys(binds)),
        symlinks=tuple(links),
        version=info["version"],
        packages=tuple(found),
    )


def _locate_package(name: str, search: Sequence[str]) -> tuple[str, str, str] | None:
    """(package dir or module file, metadata dir, version) of ``name`` on ``search``."""
    for directory in search:
        base = Path(directory)
        if not base.is_dir():
            continue
        candidates = [base / name, base / f"{name}.py"]
        hit = next((c for c in candidates if c.exists()), None)
        if hit is None:
            continue
        wanted = name.replace("-", "_").lower()
        for meta in base.iterdir():
            stem, _, suffix = meta.name.rpartition(".")
            if suffix not in ("dist-info", "egg-info"):
                continue
            meta_name, _, version = stem.partition("-")
            if meta_name.replace("-", "_").lower() == wanted:
                return str(hit), str(meta), version.split("-")[0]
        return str(hit), "", ""
    return None


def nodejs_runtime(interpreter: str) -> Runtime:
    """The nodejs runtime: the interpreter and the shared libraries, no ``node_modules``."""
    real = _check_interpreter(interpreter)
    probe = subprocess.run([real, "--version"], capture_output=True, text=True, timeout=30, env={})
    if probe.returncode != 0:
        raise ConfigurationError(f"Sandbox interpreter {real} failed: {probe.stderr.strip()}")
    links = list(_merged_usr_links())
    if real != interpreter:
        links.append((real, interpreter))
    return Runtime(
        language=Language.NODEJS,
        interpreter=interpreter,
        binds=tuple(dict.fromkeys([real, *library_binds()])),
        symlinks=tuple(links),
        extra_address_space=2 << 30,
        version=probe.stdout.strip().lstrip("v"),
    )
