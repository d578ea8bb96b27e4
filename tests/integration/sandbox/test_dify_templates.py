"""Dify's code-node and template-node runners, unchanged, give Dify's outputs.

The runner shapes below follow Dify's transformers (``api/core/helper/code_executor``): the user's
``main`` is pasted into a script that decodes base64 JSON inputs, calls it, and prints the JSON
result between ``<<RESULT>>`` markers; Dify then extracts and parses it. Dify always sends
``enable_network: true``.
"""

from __future__ import annotations

import json
import re
from base64 import b64encode
from typing import Any

from tests.integration.sandbox.conftest import run_code
from yarrow.sandbox.supervisor import SandboxProcess

PYTHON3_RUNNER = """{{code}}

import json
from base64 import b64decode

# decode and prepare input dict
inputs_obj = json.loads(b64decode('{{inputs}}').decode('utf-8'))

# execute main function
output_obj = main(**inputs_obj)

# convert output to json and print
output_json = json.dumps(output_obj, indent=4)
result = f'''<<RESULT>>{output_json}<<RESULT>>'''
print(result)
"""

NODEJS_RUNNER = """
// declare main function
{{code}}

// decode and prepare input object
const inputs_obj = JSON.parse(Buffer.from('{{inputs}}', 'base64').toString('utf-8'))

// execute main function
const output_obj = main(inputs_obj)

// convert output to json and print
const output_json = JSON.stringify(output_obj, null, 4)
const result = '<<RESULT>>' + output_json + '<<RESULT>>'
console.log(result)
"""

JINJA2_RUNNER = """
# declare main function
def main(**inputs):
    import jinja2
    template = jinja2.Template('''{{code}}''')
    return template.render(**inputs)

import json
from base64 import b64decode

# decode and prepare input dict
inputs_obj = json.loads(b64decode('{{inputs}}').decode('utf-8'))

# execute main function
output = main(**inputs_obj)

# convert output and print
result = f'''<<RESULT>>{output}<<RESULT>>'''
print(result)
"""

JINJA2_PRELOAD = """
import jinja2
from base64 import b64decode

def _jinja2_preload_():
    # prepare jinja2 environment, load template and render before to avoid sandbox issue
    template = jinja2.Template('{{s}}')
    template.render(s='a')

if __name__ == '__main__':
    _jinja2_preload_()
"""


def assemble(runner: str, code: str, inputs: dict[str, Any]) -> str:
    encoded = b64encode(json.dumps(inputs, ensure_ascii=False).encode()).decode()
    return runner.replace("{{code}}", code).replace("{{inputs}}", encoded)


def extract(stdout: str) -> str:
    match = re.search(r"<<RESULT>>(.*)<<RESULT>>", stdout, re.DOTALL)
    assert match, stdout
    return match.group(1)


def test_python3_code_node(sandbox: SandboxProcess) -> None:
    code = (
        "def main(arg1: str, arg2: list) -> dict:\n"
        "    return {'result': arg1 + ' ' + str(len(arg2)), 'items': [x * 2 for x in arg2],\n"
        "            'nested': {'ok': True, 'none': None, 'pi': 3.14159}}\n"
    )
    inputs = {"arg1": "héllo wörld", "arg2": [1, 2, 3]}
    data = run_code(sandbox, "python3", assemble(PYTHON3_RUNNER, code, inputs), enable_network=True)
    assert data["error"] == ""
    assert json.loads(extract(data["stdout"])) == {
        "result": "héllo wörld 3",
        "items": [2, 4, 6],
        "nested": {"ok": True, "none": None, "pi": 3.14159},
    }


def test_nodejs_code_node(sandbox: SandboxProcess) -> None:
    code = (
        "function main({arg1, arg2}) {\n"
        "  return {result: arg1.toUpperCase(), sum: arg2.reduce((a, b) => a + b, 0),"
        " when: new Date(0).toISOString()}\n"
        "}\n"
    )
    inputs = {"arg1": "héllo", "arg2": [1, 2, 3.5]}
    data = run_code(sandbox, "nodejs", assemble(NODEJS_RUNNER, code, inputs), enable_network=True)
    assert data["error"] == ""
    assert json.loads(extract(data["stdout"])) == {
        "result": "HÉLLO",
        "sum": 6.5,
        "when": "1970-01-01T00:00:00.000Z",
    }


def test_jinja2_template_node_with_its_preload(sandbox: SandboxProcess) -> None:
    template = "Hello {{ name }}! {% for i in items %}[{{ i }}]{% endfor %}"
    code = assemble(JINJA2_RUNNER, template, {"name": "Yarrow", "items": [1, 2]})
    data = run_code(sandbox, "python3", code, preload=JINJA2_PRELOAD, enable_network=True)
    assert data["error"] == ""
    assert extract(data["stdout"]) == "Hello Yarrow! [1][2]"


def test_python3_code_node_error_is_reported_like_dify(sandbox: SandboxProcess) -> None:
    code = "def main(x: int) -> dict:\n    return {'r': 1 / x}\n"
    data = run_code(sandbox, "python3", assemble(PYTHON3_RUNNER, code, {"x": 0}))
    assert "<<RESULT>>" not in data["stdout"]
    assert "ZeroDivisionError: division by zero" in data["error"]
    assert 'File "/sandbox/main.py", line 2, in main' in data["error"]


def test_nodejs_code_node_error_is_reported(sandbox: SandboxProcess) -> None:
    code = "function main({x}) { return {r: x.missing.field} }\n"
    data = run_code(sandbox, "nodejs", assemble(NODEJS_RUNNER, code, {"x": {}}))
    assert "TypeError" in data["error"]
    assert "<<RESULT>>" not in data["stdout"]
