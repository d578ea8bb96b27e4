"""The workflow's code and template-transform nodes' sandbox path, end to end: their runner
scripts, sent by SandboxClient to the live service, parsed back."""

from __future__ import annotations

import pytest

from tests.integration.sandbox.conftest import API_KEY
from yarrow.sandbox import CodeExecutionError, SandboxClient
from yarrow.sandbox.supervisor import SandboxProcess
from yarrow.workflow.nodes.code import build_runner, parse_result
from yarrow.workflow.nodes.transform import render_in_sandbox


@pytest.mark.parametrize(
    ("language", "code"),
    [
        (
            "python3",
            "def main(a: int, b: str) -> dict:\n    return {'sum': a + 1, 'text': b * 2}\n",
        ),
        ("nodejs", "function main({a, b}) { return {sum: a + 1, text: b.repeat(2)} }\n"),
    ],
)
async def test_code_node_runner(sandbox: SandboxProcess, language: str, code: str) -> None:
    async with SandboxClient(sandbox.base_url, API_KEY) as client:
        stdout = await client.execute(language, build_runner(language, code, {"a": 41, "b": "é"}))
    assert parse_result(stdout) == {"sum": 42, "text": "éé"}


async def test_code_node_failure_is_a_code_execution_error(sandbox: SandboxProcess) -> None:
    runner = build_runner("python3", "def main() -> dict:\n    raise ValueError('nope')\n", {})
    async with SandboxClient(sandbox.base_url, API_KEY) as client:
        with pytest.raises(CodeExecutionError, match="ValueError: nope"):
            await client.execute("python3", runner)


async def test_template_transform_renders_in_the_sandbox(sandbox: SandboxProcess) -> None:
    async with SandboxClient(sandbox.base_url, API_KEY) as client:
        text = await render_in_sandbox(
            client, "{{ who }} has {{ n * 2 }}", {"who": "Yarrow", "n": 21}
        )
    assert text == "Yarrow has 42"
