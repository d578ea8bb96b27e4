"""Node behaviour, through the engine, asserting inputs passed to fakes and outputs produced."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from tests.unit.workflow.conftest import (
    FakeAgents,
    FakeChat,
    FakeFiles,
    FakeHttp,
    FakeKnowledge,
    FakeMemory,
    FakeTools,
    SubprocessCodeExecutor,
    file_var,
    finished,
    graph,
    node,
    run_graph,
)
from yarrow.workflow import EnvironmentVariable
from yarrow.workflow import WorkflowServices as Services
from yarrow.workflow.ports import ChatMessage

START = node(
    "s",
    "start",
    variables=[
        {"variable": "q", "type": "text-input", "required": False, "max_length": 20},
        {"variable": "n", "type": "number", "required": False},
        {"variable": "items", "type": "json_object", "required": False},
    ],
)


def end(**outputs: list[str]) -> dict[str, Any]:
    return node(
        "e", "end", outputs=[{"variable": k, "value_selector": v} for k, v in outputs.items()]
    )


async def run_one(
    data: dict[str, Any],
    services: Services | None = None,
    inputs: dict[str, Any] | None = None,
    mode: str = "workflow",
    **kwargs: Any,
) -> tuple[dict[str, Any], Any]:
    """Run start -> X -> end(out = X.*) and return X's node_finished data and the run result."""
    x = node("x", data.pop("type"), **data)
    g = graph([START, x, node("e", "end", outputs=[])])
    events, result = await run_graph(g, services=services, inputs=inputs, mode=mode, **kwargs)
    found = finished(events, "x")
    return (found[0] if found else {}), result


# -- start ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("inputs", "error"),
    [
        ({"q": "x" * 21}, "less than 20"),
        ({"n": "abc"}, "valid number"),
        ({"q": 5}, "must be a string"),
    ],
)
async def test_start_validates_inputs(inputs: dict[str, Any], error: str) -> None:
    _, result = await run_one({"type": "template-transform", "template": ""}, inputs=inputs)
    assert result.status == "failed" and error in result.error


async def test_start_required_and_select_and_number_conversion() -> None:
    from yarrow.workflow import validate_start_inputs

    form = [
        {"variable": "a", "type": "text-input", "required": True},
        {"variable": "c", "type": "select", "options": ["x", "y"]},
        {"variable": "n", "type": "number"},
    ]
    with pytest.raises(Exception, match="a is required"):
        validate_start_inputs(form, {})
    with pytest.raises(Exception, match="one of"):
        validate_start_inputs(form, {"a": "1", "c": "z"})
    assert validate_start_inputs(form, {"a": "1", "n": "2"})["n"] == 2
    assert validate_start_inputs(form, {"a": "1", "n": "2.5"})["n"] == 2.5


# -- template-transform -----------------------------------------------------------------
async def test_template_transform_renders_variables() -> None:
    data, _ = await run_one(
        {
            "type": "template-transform",
            "template": "{{ q|upper }}-{{ n+1 }}",
            "variables": [
                {"variable": "q", "value_selector": ["s", "q"]},
                {"variable": "n", "value_selector": ["s", "n"]},
            ],
        },
        inputs={"q": "hi", "n": 1},
    )
    assert data["outputs"] == {"output": "HI-2"}


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ q.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ lipsum.__globals__['os'].system('id') }}",
        "{% for x in range(10**7) %}{% endfor %}",
        "{{ 'x' * 100000000 }}",
        "{{ items.append(1) }}",
        "{{ self._TemplateReference__context }}",
    ],
)
async def test_template_transform_cannot_escape_the_sandbox(template: str) -> None:
    data, result = await run_one(
        {
            "type": "template-transform",
            "template": template,
            "variables": [
                {"variable": "q", "value_selector": ["s", "q"]},
                {"variable": "items", "value_selector": ["s", "items"]},
            ],
        },
        inputs={"q": "hi", "items": [1]},
    )
    # Unsafe attribute reads render as undefined (empty); unsafe calls and huge ops fail.
    assert result.status == "failed" or data["outputs"] == {"output": ""}, data
    assert "uid=" not in json.dumps(data) and "Context" not in json.dumps(data)


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ items.append(1) }}",
    ],
)
async def test_template_transform_in_code_sandbox_keeps_the_jinja_sandbox(template: str) -> None:
    executor = SubprocessCodeExecutor()
    data, result = await run_one(
        {
            "type": "template-transform",
            "template": template,
            "variables": [{"variable": "items", "value_selector": ["s", "items"]}],
        },
        Services(code=executor),
        inputs={"items": [1]},
    )
    assert executor.calls, "rendered through the code executor"
    assert result.status == "failed", data


async def test_template_transform_renders_the_same_in_process_and_in_sandbox() -> None:
    template = "{% for i in items %}[{{ i.k }}]{% endfor %} ''' \" {{ q }}\n"
    node_data = {
        "type": "template-transform",
        "template": template,
        "variables": [
            {"variable": "items", "value_selector": ["s", "items"]},
            {"variable": "q", "value_selector": ["s", "q"]},
        ],
    }
    inputs = {"items": [{"k": "é"}, {"k": 2}], "q": "<b>"}
    local, _ = await run_one(dict(node_data), inputs=inputs)
    executor = SubprocessCodeExecutor()
    remote, _ = await run_one(dict(node_data), Services(code=executor), inputs=inputs)
    assert local["outputs"] == remote["outputs"] == {"output": "[é][2] ''' \" <b>\n"}
    assert executor.calls[0][0] == "python3"


# -- code -------------------------------------------------------------------------------
PY = "def main(a: int, b: str) -> dict:\n    return {'sum': a + 1, 'text': b * 2, 'extra': 1}\n"
JS = "function main({a, b}) { return {sum: a + 1, text: b + b} }"


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python3", PY),
        pytest.param(
            "javascript",
            JS,
            marks=pytest.mark.skipif(shutil.which("node") is None, reason="node not installed"),
        ),
    ],
)
async def test_code_node_runs_dify_runner_and_checks_outputs(language: str, code: str) -> None:
    executor = SubprocessCodeExecutor()
    data, result = await run_one(
        {
            "type": "code",
            "code_language": language,
            "code": code,
            "variables": [
                {"variable": "a", "value_selector": ["s", "n"]},
                {"variable": "b", "value_selector": ["s", "q"]},
            ],
            "outputs": {"sum": {"type": "number"}, "text": {"type": "string"}},
        },
        Services(code=executor),
        inputs={"n": 41, "q": "ab"},
    )
    assert result.status == "succeeded", result.error
    assert data["outputs"] == {"sum": 42, "text": "abab"}
    assert executor.calls[0][0] == ("python3" if language == "python3" else "nodejs")
    assert "<<RESULT>>" in executor.calls[0][1]


@pytest.mark.parametrize(
    ("returned", "outputs", "error"),
    [
        ("{'x': 'a'}", {"y": {"type": "string"}}, "Output y is missing"),
        ("{'x': 1}", {"x": {"type": "string"}}, "must be a string"),
        ("{'x': ['a'] * 31}", {"x": {"type": "array[string]"}}, "more than 30"),
        ("{'x': 2**70}", {"x": {"type": "number"}}, "out of range"),
        ("{'x': {'a': {'b': {'c': {'d': {'e': 1}}}}}}", {"x": {"type": "object"}}, "deeply"),
        ("['not', 'a', 'dict']", {"x": {"type": "string"}}, "must return an object"),
        ("{'x': True}", {"x": {"type": "number"}}, "must be a number"),
    ],
)
async def test_code_node_output_checks(returned: str, outputs: dict[str, Any], error: str) -> None:
    code = f"def main() -> dict:\n    return {returned}\n"
    _, result = await run_one(
        {"type": "code", "code_language": "python3", "code": code, "outputs": outputs},
        Services(code=SubprocessCodeExecutor()),
    )
    assert result.status == "failed" and error in result.error


async def test_code_node_without_sandbox_fails_naming_it() -> None:
    _, result = await run_one({"type": "code", "code": "def main(): return {}"})
    assert result.status == "failed" and "CODE_EXECUTION_ENDPOINT" in result.error


# -- http-request -----------------------------------------------------------------------
async def test_http_request_builds_request_from_templates() -> None:
    http = FakeHttp()
    data, result = await run_one(
        {
            "type": "http-request",
            "method": "post",
            "url": "https://api.example/{{#s.q#}}",
            "headers": "X-One:{{#s.n#}}\nX-Two: two",
            "params": "page:2",
            "authorization": {"type": "api-key", "config": {"type": "bearer", "api_key": "k"}},
            "body": {"type": "json", "data": [{"type": "text", "value": '{"q": "{{#s.q#}}"}'}]},
            "timeout": {"connect": 3, "read": 4, "write": 5},
            "ssl_verify": False,
        },
        Services(http=http),
        inputs={"q": "items", "n": 7},
    )
    assert result.status == "succeeded"
    request = http.requests[0]
    assert (request.method, request.url) == ("post", "https://api.example/items")
    assert ("X-One", "7") in request.headers and ("X-Two", "two") in request.headers
    assert ("Authorization", "Bearer k") in request.headers
    assert ("Content-Type", "application/json") in request.headers
    assert request.params == [("page", "2")] and request.content == b'{"q": "items"}'
    assert (request.timeout.connect, request.timeout.read) == (3.0, 4.0)
    assert request.ssl_verify is False
    assert data["outputs"]["status_code"] == 200 and data["outputs"]["body"] == '{"ok": true}'


@pytest.mark.parametrize(
    ("auth", "header"),
    [
        ({"type": "basic", "api_key": "u:p"}, ("Authorization", "Basic dTpw")),
        ({"type": "custom", "header": "X-Key", "api_key": "k"}, ("X-Key", "k")),
    ],
)
async def test_http_request_auth_variants(auth: dict[str, Any], header: tuple[str, str]) -> None:
    http = FakeHttp()
    await run_one(
        {
            "type": "http-request",
            "method": "get",
            "url": "https://a.example",
            "authorization": {"type": "api-key", "config": auth},
        },
        Services(http=http),
    )
    assert header in http.requests[0].headers


async def test_http_request_form_and_multipart_and_binary_bodies() -> None:
    http, files = FakeHttp(), FakeFiles()
    doc = file_var("a.pdf", "document")
    inputs = {"items": doc, "q": "v"}
    await run_one(
        {
            "type": "http-request",
            "method": "post",
            "url": "https://a.example",
            "body": {
                "type": "x-www-form-urlencoded",
                "data": [{"key": "k", "type": "text", "value": "{{#s.q#}}"}],
            },
        },
        Services(http=http),
        inputs=inputs,
    )
    assert http.requests[-1].form == [("k", "v")]
    await run_one(
        {
            "type": "http-request",
            "method": "post",
            "url": "https://a.example",
            "body": {
                "type": "form-data",
                "data": [
                    {"key": "f", "type": "file", "file": ["s", "items"]},
                    {"key": "t", "type": "text", "value": "x"},
                ],
            },
        },
        Services(http=http, files=files),
        inputs=inputs,
    )
    fields = http.requests[-1].multipart
    assert fields is not None and fields[0].content == b"bytes of a.pdf" and fields[1].value == "x"
    await run_one(
        {
            "type": "http-request",
            "method": "put",
            "url": "https://a.example",
            "body": {"type": "binary", "data": [{"type": "file", "file": ["s", "items"]}]},
        },
        Services(http=http, files=files),
        inputs=inputs,
    )
    assert http.requests[-1].content == b"bytes of a.pdf"
    await run_one(
        {
            "type": "http-request",
            "method": "post",
            "url": "https://a.example",
            "body": {"type": "raw-text", "data": "legacy {{#s.q#}}"},
        },
        Services(http=http),
        inputs=inputs,
    )
    assert http.requests[-1].content == b"legacy v"


async def test_http_error_status_fails_only_with_retry_or_strategy() -> None:
    data, result = await run_one(
        {"type": "http-request", "method": "get", "url": "https://a.example"},
        Services(http=FakeHttp(500)),
    )
    assert result.status == "succeeded" and data["outputs"]["status_code"] == 500
    data, result = await run_one(
        {
            "type": "http-request",
            "method": "get",
            "url": "https://a.example",
            "error_strategy": "default-value",
            "default_value": [],
        },
        Services(http=FakeHttp(500)),
    )
    assert data["status"] == "exception" and data["outputs"]["error_type"] == "HttpResponseError"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x", "ftp://x"])
async def test_http_request_refuses_non_http_urls(url: str) -> None:
    http = FakeHttp()
    _, result = await run_one(
        {"type": "http-request", "method": "get", "url": url}, Services(http=http)
    )
    assert result.status == "failed" and http.requests == []


# -- llm --------------------------------------------------------------------------------
async def test_llm_builds_prompt_with_context_memory_vision_and_streams() -> None:
    chat = FakeChat(answers=["<think>hmm</think>The answer"])
    memory = FakeMemory(
        [
            ChatMessage("user", "old q"),
            ChatMessage("assistant", "old a"),
            ChatMessage("user", "older"),
        ]
    )
    data, result = await run_one(
        {
            "type": "llm",
            "model": {
                "provider": "openai",
                "name": "gpt",
                "mode": "chat",
                "completion_params": {"temperature": 0.2, "stop": ["\n\n"]},
            },
            "prompt_template": [
                {"role": "system", "text": "Use {{#context#}}. User said {{#s.q#}}"},
                {"role": "user", "edition_type": "jinja2", "jinja2_text": "J {{ q }}", "text": ""},
            ],
            "prompt_config": {
                "jinja2_variables": [{"variable": "q", "value_selector": ["s", "q"]}]
            },
            "context": {"enabled": True, "variable_selector": ["s", "items"]},
            "memory": {
                "window": {"enabled": True, "size": 2},
                "query_prompt_template": "{{#sys.query#}}!",
            },
            "vision": {
                "enabled": True,
                "configs": {"variable_selector": ["sys", "files"], "detail": "low"},
            },
            "reasoning_format": "separated",
        },
        Services(chat=chat, memory=memory),
        inputs={
            "q": "hey",
            "items": [{"content": "doc one"}, {"content": "doc two", "summary": "sum"}],
        },
        mode="advanced-chat",
        system={"query": "now?", "conversation_id": "c1", "files": [file_var("p.png")]},
    )
    assert result.status == "succeeded", result.error
    request = chat.requests[0]
    assert (request.provider, request.model, request.stop) == ("openai", "gpt", ["\n\n"])
    assert request.parameters == {"temperature": 0.2}
    roles = [m.role for m in request.messages]
    assert roles == ["system", "user", "assistant", "user", "user"]
    assert request.messages[0].content == "Use doc one\nsum\ndoc two. User said hey"
    assert request.messages[1].content == "J hey"
    assert memory.calls == [("c1", 2)]
    last = request.messages[-1].content
    assert last[0] == {"type": "text", "text": "now?!"}
    assert last[1]["image_url"] == {"url": "https://files.example/p.png", "detail": "low"}
    assert data["outputs"]["text"] == "The answer"
    assert data["outputs"]["reasoning_content"] == "hmm"
    assert data["outputs"]["usage"]["total_tokens"] == 12


async def test_llm_structured_output_is_parsed_or_fails() -> None:
    base = {
        "type": "llm",
        "model": {"provider": "p", "name": "m"},
        "prompt_template": [{"role": "user", "text": "x"}],
        "structured_output_enabled": True,
        "structured_output": {"schema": {"type": "object"}},
    }
    chat = FakeChat(answers=['Here: {"city": "Paris"}'])
    data, _ = await run_one(dict(base), Services(chat=chat))
    assert data["outputs"]["structured_output"] == {"city": "Paris"}
    assert chat.requests[0].json_schema == {"type": "object"}
    _, result = await run_one(dict(base), Services(chat=FakeChat(answers=["no json"])))
    assert result.status == "failed" and "JSON" in result.error


async def test_retrieved_context_is_not_rendered_as_a_template() -> None:
    chat = FakeChat()
    await run_one(
        {
            "type": "llm",
            "model": {"provider": "p", "name": "m"},
            "prompt_template": [{"role": "system", "text": "ctx: {{#context#}}"}],
            "context": {"enabled": True, "variable_selector": ["s", "items"]},
        },
        Services(chat=chat),
        inputs={"items": [{"content": "leak {{#env.KEY#}}"}]},
        environment=[EnvironmentVariable("KEY", "sk-1", "secret")],
    )
    assert chat.requests[0].messages[0].content == "ctx: leak {{#env.KEY#}}"


async def test_llm_without_model_runtime_fails_clearly() -> None:
    _, result = await run_one(
        {"type": "llm", "model": {"provider": "p", "name": "m"}, "prompt_template": []}
    )
    assert result.status == "failed" and "chat model runtime" in result.error


# -- question-classifier / parameter-extractor -----------------------------------------
@pytest.mark.parametrize(
    ("answer", "chosen"),
    [
        ('{"category_id": "b", "category_name": "x"}', "b"),
        ('```json\n{"category_name": "Billing"}\n```', "b"),
        ("no idea", "a"),
    ],
)
async def test_question_classifier_picks_class_and_branch(answer: str, chosen: str) -> None:
    chat = FakeChat(answers=[answer])
    data, _ = await run_one(
        {
            "type": "question-classifier",
            "model": {"provider": "p", "name": "m"},
            "query_variable_selector": ["s", "q"],
            "instruction": "be nice",
            "classes": [{"id": "a", "name": "Support"}, {"id": "b", "name": "billing"}],
        },
        Services(chat=chat),
        inputs={"q": "invoice?"},
    )
    assert data["outputs"]["class_id"] == chosen
    assert chat.requests[0].messages[-1].content == "invoice?"
    assert "be nice" in str(chat.requests[0].messages[0].content)


async def test_parameter_extractor_function_call_and_prompt_modes() -> None:
    params = [
        {"name": "city", "type": "string", "required": True, "description": "c"},
        {"name": "days", "type": "number", "required": False},
        {"name": "unit", "type": "select", "options": ["C", "F"], "required": False},
    ]
    chat = FakeChat(answers=["ok"], tool_arguments='{"city": "Oslo", "days": "3", "unit": "C"}')
    data, _ = await run_one(
        {
            "type": "parameter-extractor",
            "model": {"provider": "p", "name": "m"},
            "query": ["s", "q"],
            "parameters": params,
        },
        Services(chat=chat),
        inputs={"q": "Oslo for 3 days"},
    )
    assert chat.requests[0].tools[0].parameters["required"] == ["city"]
    assert data["outputs"] | {"__usage": None} == {
        "city": "Oslo",
        "days": 3.0,
        "unit": "C",
        "__is_success": 1,
        "__reason": None,
        "__usage": None,
    }
    chat = FakeChat(answers=['{"days": 2, "unit": "K"}'])
    data, _ = await run_one(
        {
            "type": "parameter-extractor",
            "reasoning_mode": "prompt",
            "model": {"provider": "p", "name": "m"},
            "query": ["s", "q"],
            "parameters": params,
        },
        Services(chat=chat),
        inputs={"q": "x"},
    )
    assert chat.requests[0].tools == []
    assert data["outputs"]["__is_success"] == 0
    assert "Missing required parameter city" in data["outputs"]["__reason"]
    assert "Invalid value for unit" in data["outputs"]["__reason"]


# -- knowledge, tool, agent, document-extractor -----------------------------------------
async def test_knowledge_retrieval_passes_query_and_config() -> None:
    knowledge = FakeKnowledge()
    data, _ = await run_one(
        {
            "type": "knowledge-retrieval",
            "query_variable_selector": ["s", "q"],
            "dataset_ids": ["d1", "d2"],
            "retrieval_mode": "multiple",
            "multiple_retrieval_config": {"top_k": 3, "score_threshold": 0.5},
            "metadata_filtering_mode": "manual",
            "metadata_filtering_conditions": {
                "logical_operator": "and",
                "conditions": [{"name": "lang", "comparison_operator": "is", "value": "{{#s.q#}}"}],
            },
        },
        Services(knowledge=knowledge),
        inputs={"q": "capital?"},
    )
    request = knowledge.requests[0]
    assert (request.query, list(request.dataset_ids), request.top_k) == (
        "capital?",
        ["d1", "d2"],
        3,
    )
    assert request.score_threshold == 0.5
    conditions = request.config["metadata_filtering_conditions"]["conditions"]
    assert conditions[0]["value"] == "capital?"
    assert data["outputs"]["result"][0]["metadata"]["position"] == 1


async def test_knowledge_retrieval_failure_can_use_default_value() -> None:
    data, result = await run_one(
        {
            "type": "knowledge-retrieval",
            "query_variable_selector": ["s", "q"],
            "dataset_ids": ["d"],
            "error_strategy": "default-value",
            "default_value": [{"key": "result", "type": "array[object]", "value": []}],
        },
        Services(knowledge=FakeKnowledge(fail=True)),
        inputs={"q": "x"},
    )
    assert result.status == "partial-succeeded" and data["outputs"]["result"] == []


async def test_tool_node_resolves_parameter_kinds() -> None:
    tools = FakeTools()
    data, _ = await run_one(
        {
            "type": "tool",
            "provider_id": "google",
            "provider_type": "builtin",
            "tool_name": "search",
            "tool_parameters": {
                "query": {"type": "mixed", "value": "about {{#s.q#}}"},
                "n": {"type": "variable", "value": ["s", "n"]},
                "lang": {"type": "constant", "value": "en"},
            },
            "tool_configurations": {"safe": True, "mode": {"type": "constant", "value": 1}},
        },
        Services(tools=tools),
        inputs={"q": "cats", "n": 5},
    )
    request = tools.requests[0]
    assert dict(request.parameters) == {"query": "about cats", "n": 5, "lang": "en"}
    assert dict(request.configurations) == {"safe": True, "mode": 1}
    assert data["outputs"]["json"] == [{"n": 1}]


async def test_agent_node_calls_runner() -> None:
    agents = FakeAgents()
    data, result = await run_one(
        {
            "type": "agent",
            "agent_strategy_provider_name": "lg/agent",
            "agent_strategy_name": "function_calling",
            "agent_parameters": {"query": {"type": "mixed", "value": "{{#s.q#}}"}},
        },
        Services(agents=agents),
        inputs={"q": "go"},
    )
    assert agents.requests[0].parameters == {"query": "go"}
    assert data["outputs"]["text"] == "agent says hi" and result.usage.total_tokens == 7


async def test_document_extractor_single_and_list() -> None:
    files = FakeFiles()
    data, _ = await run_one(
        {"type": "document-extractor", "variable_selector": ["s", "items"]},
        Services(files=files),
        inputs={"items": file_var("a.pdf")},
    )
    assert data["outputs"]["text"] == "text of a.pdf"
    data, _ = await run_one(
        {"type": "document-extractor", "variable_selector": ["s", "items"]},
        Services(files=files),
        inputs={"items": [file_var("a.pdf"), file_var("b.doc")]},
    )
    assert data["outputs"]["text"] == ["text of a.pdf", "text of b.doc"]
    _, result = await run_one(
        {"type": "document-extractor", "variable_selector": ["s", "items"]},
        Services(files=files),
        inputs={"items": "not a file"},
    )
    assert result.status == "failed"


async def test_code_output_types_accept_legacy_casing() -> None:
    code = "def main() -> dict:\n    return {'x': ['a']}\n"
    data, result = await run_one(
        {
            "type": "code",
            "code_language": "python3",
            "code": code,
            "outputs": {"x": {"type": "Array[String]"}},
        },
        Services(code=SubprocessCodeExecutor()),
    )
    assert result.status == "succeeded" and data["outputs"] == {"x": ["a"]}


async def test_http_request_variables_cannot_inject_headers() -> None:
    http = FakeHttp()
    await run_one(
        {
            "type": "http-request",
            "method": "get",
            "url": "https://a.example",
            "headers": "X-Name:{{#s.q#}}",
        },
        Services(http=http),
        inputs={"q": "a\r\nX-Admin: yes"},
    )
    headers = http.requests[0].headers
    assert ("X-Name", "a  X-Admin: yes") in headers
    assert all(k != "X-Admin" for k, _ in headers)


@pytest.mark.parametrize(
    "node_type",
    sorted(
        t
        for t in __import__("yarrow.workflow.nodes", fromlist=["x"]).builtin_node_types()
        if t not in ("start",)
    ),
)
@pytest.mark.parametrize(
    "junk",
    [
        {},
        {
            "variables": None,
            "outputs": None,
            "cases": [None],
            "items": "x",
            "model": "m",
            "classes": 5,
            "body": "raw",
            "timeout": "slow",
            "retry_config": 1,
        },
    ],
)
async def test_every_node_type_survives_empty_or_junk_config(
    node_type: str, junk: dict[str, Any]
) -> None:
    from yarrow.errors import YarrowError

    services = Services(
        chat=FakeChat(),
        tools=FakeTools(),
        http=FakeHttp(),
        files=FakeFiles(),
        code=SubprocessCodeExecutor(),
        knowledge=FakeKnowledge(),
        agents=FakeAgents(),
        memory=FakeMemory(),
    )
    try:
        data, result = await run_one({"type": node_type, **junk}, services)
    except YarrowError:
        return  # refused before running (e.g. a container without a body)
    assert result.status in ("succeeded", "failed")
    if result.status == "failed":
        assert result.error and "Internal error" not in result.error


class FakeFileStore:
    def __init__(self) -> None:
        self.saved: list[tuple[bytes, str, str]] = []

    async def save(self, content: bytes, *, filename: str, mime_type: str) -> dict[str, Any]:
        self.saved.append((content, filename, mime_type))
        return file_var(filename, "image")


@pytest.mark.parametrize(
    ("headers", "is_file", "name"),
    [
        ({"content-type": "image/png"}, True, "logo.png"),
        (
            {
                "content-type": "application/octet-stream",
                "content-disposition": 'attachment; filename="r.bin"',
            },
            True,
            "r.bin",
        ),
        ({"content-type": "text/plain", "content-disposition": "attachment"}, True, "logo.png"),
        ({"content-type": "application/json; charset=utf-8"}, False, None),
        ({"content-type": "application/vnd.api+json"}, False, None),
        ({}, False, None),
    ],
)
async def test_http_file_responses_are_stored(
    headers: dict[str, str], is_file: bool, name: str | None
) -> None:
    store = FakeFileStore()
    http = FakeHttp(body=b"\x89PNG", headers=headers)
    data, _ = await run_one(
        {"type": "http-request", "method": "get", "url": "https://a.example/img/logo.png?x=1"},
        Services(http=http, file_store=store),
    )
    if is_file:
        assert data["outputs"]["body"] == "" and len(data["outputs"]["files"]) == 1
        assert store.saved[0][:2] == (b"\x89PNG", name)
    else:
        assert data["outputs"]["files"] == [] and store.saved == []


async def test_answer_collects_referenced_files() -> None:
    data, _ = await run_one(
        {"type": "answer", "answer": "see {{#s.items#}} and {{#s.q#}}"},
        inputs={"items": [file_var("a.png"), file_var("b.png")], "q": "x"},
        mode="advanced-chat",
    )
    assert [f["filename"] for f in data["outputs"]["files"]] == ["a.png", "b.png"]
    assert data["outputs"]["answer"].startswith("see https://files.example/a.png")


async def test_llm_structured_output_schema_given_as_json_text() -> None:
    chat = FakeChat(answers=['{"a": 1}'])
    data, _ = await run_one(
        {
            "type": "llm",
            "model": {"provider": "p", "name": "m"},
            "prompt_template": [{"role": "user", "text": "x"}],
            "structured_output_enabled": True,
            "structured_output": {"schema": '{"type": "object"}'},
        },
        Services(chat=chat),
    )
    assert chat.requests[0].json_schema == {"type": "object"}
    assert data["outputs"]["structured_output"] == {"a": 1}
