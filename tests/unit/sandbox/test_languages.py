"""Runtimes: what each language's jail contains, and which interpreters are refused."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from yarrow.errors import ConfigurationError
from yarrow.sandbox.languages import Language, nodejs_runtime, python_runtime


def test_python_runtime_binds_only_interpreter_stdlib_libs_and_listed_packages() -> None:
    runtime = python_runtime("/usr/bin/python3", ["jinja2", "no_such_package_xyz"])
    real = os.path.realpath("/usr/bin/python3")
    assert runtime.language is Language.PYTHON3
    assert real in runtime.binds
    assert any(b.startswith("/usr/lib/python3.") for b in runtime.binds)
    assert any(b.endswith("/jinja2") for b in runtime.binds)
    assert not any("no_such_package_xyz" in b for b in runtime.binds)
    assert not any(b in ("/", "/usr", "/etc", "/usr/bin", "/root", "/home") for b in runtime.binds)
    assert not any(b.endswith("dist-packages") for b in runtime.binds)  # packages one by one
    assert [name for name, _ in runtime.packages] == ["jinja2"]
    assert runtime.packages[0][1]  # a version was found
    assert (real, "/usr/bin/python3") in runtime.symlinks or real == "/usr/bin/python3"


def test_python_job_and_command() -> None:
    runtime = python_runtime("/usr/bin/python3", [])
    assert json.loads(runtime.job("print(1)", "X = 1")) == {"preload": "X = 1", "code": "print(1)"}
    command = runtime.command(memory_bytes=64 << 20)
    assert command[:3] == ["/usr/bin/python3", "-I", "-B"]  # isolated mode: no PYTHON* vars


def test_nodejs_runtime_and_command() -> None:
    runtime = nodejs_runtime("/usr/bin/node")
    assert runtime.language is Language.NODEJS
    assert runtime.version.count(".") == 2
    assert runtime.extra_address_space > 0
    assert json.loads(runtime.job("x", "")) == {"preload": "", "code": "x"}
    command = runtime.command(memory_bytes=128 << 20)
    assert "--no-addons" in command and "--max-old-space-size=128" in command
    assert command[-2] == "-e"  # the boot; the job comes on stdin


def test_missing_interpreter_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        python_runtime(str(tmp_path / "python3"))
    with pytest.raises(ConfigurationError, match="does not exist"):
        nodejs_runtime(str(tmp_path / "node"))


def test_interpreter_in_a_private_directory_is_refused(tmp_path: Path) -> None:
    private = tmp_path / "home"
    private.mkdir()
    interpreter = private / "python3"
    interpreter.write_text("#!/bin/sh\nexit 0\n")
    interpreter.chmod(0o755)
    private.chmod(0o700)
    with pytest.raises(ConfigurationError, match="cannot enter"):
        python_runtime(str(interpreter))


def test_failing_interpreter_is_a_configuration_error() -> None:
    # Outside pytest's private tmp directory: the interpreter must be reachable by anyone.
    with tempfile.TemporaryDirectory() as directory:
        os.chmod(directory, 0o755)
        broken = Path(directory) / "python3"
        broken.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
        broken.chmod(0o755)
        with pytest.raises(ConfigurationError, match="broken"):
            python_runtime(str(broken))
