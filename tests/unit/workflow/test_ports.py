"""The real collaborators fit the workflow Protocols without adapters where we promise so."""

from __future__ import annotations

import inspect

from yarrow.workflow.ports import CodeExecutor


def test_sandbox_client_is_a_code_executor() -> None:
    from yarrow.sandbox.client import SandboxClient

    wanted = inspect.signature(CodeExecutor.execute)
    actual = inspect.signature(SandboxClient.execute)
    assert inspect.iscoroutinefunction(SandboxClient.execute)
    for name, parameter in wanted.parameters.items():
        assert name in actual.parameters, name
        assert actual.parameters[name].kind == parameter.kind, name
    extra = set(actual.parameters) - set(wanted.parameters)
    assert all(actual.parameters[n].default is not inspect.Parameter.empty for n in extra)
