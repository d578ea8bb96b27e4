"""DSL parsing: lenient where Dify is, strict where safety needs it; export round trip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from yarrow.workflow import check_version, export_dsl, parse_dsl
from yarrow.workflow.compat import render, report
from yarrow.workflow.dsl import CURRENT_DSL_VERSION
from yarrow.workflow.errors import DslError

REPO = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("YARROW_DSL_CORPUS", REPO.parent / "shared" / "corpus" / "dify-dsl"))
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"DSL corpus not at {CORPUS}")

WORKFLOW = """
version: 0.1.5
kind: app
app: {name: demo, mode: workflow, icon: "🤖"}
workflow:
  environment_variables:
    - {name: API_KEY, value: sk-secret, value_type: secret, id: e1, selector: [env, API_KEY]}
    - {name: BASE, value: "https://x", value_type: string}
  conversation_variables: []
  features: {}
  graph:
    nodes:
      - {id: s, type: custom, data: {type: start, title: Start, variables: []}}
      - {id: note, type: custom-note, data: {type: "", text: hello}}
      - {id: e, type: custom, data: {type: end, title: End, outputs: []}}
    edges:
      - {id: s-e, source: s, target: e, sourceHandle: source}
      - {id: dangling, source: s, target: missing}
"""


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.yml")) if CORPUS.is_dir() else []


@needs_corpus
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus_file_parses(path: Path) -> None:
    dsl = parse_dsl(path.read_bytes())
    assert dsl.mode in {"workflow", "advanced-chat", "chat", "agent-chat", "completion"}
    if dsl.is_workflow:
        graph = dsl.graph()
        assert graph.root_id in graph.nodes
        assert graph.errors == []
        round_trip = parse_dsl(export_dsl(dsl, include_secret=True))
        assert round_trip.graph_data == dsl.graph_data
        assert round_trip.workflow == dsl.workflow


@needs_corpus
def test_compat_doc_is_current() -> None:
    expected = render(report(CORPUS))
    assert (REPO / "docs" / "compat.md").read_text(encoding="utf-8") == expected
    assert "failing to import" in expected and "0 failing to import" in expected


def test_parse_reads_modes_variables_and_drops_notes_and_dangling_edges() -> None:
    dsl = parse_dsl(WORKFLOW)
    assert (dsl.version, dsl.kind, dsl.mode, dsl.name) == ("0.1.5", "app", "workflow", "demo")
    assert [v.name for v in dsl.environment_variables] == ["API_KEY", "BASE"]
    assert dsl.environment_variables[0].is_secret
    graph = dsl.graph()
    assert set(graph.nodes) == {"s", "e"}
    assert any("unknown node" in w for w in dsl.warnings)


def test_export_blanks_secrets_unless_asked_and_round_trips() -> None:
    dsl = parse_dsl(WORKFLOW)
    exported = yaml.safe_load(export_dsl(dsl))
    env = exported["workflow"]["environment_variables"]
    assert env[0]["value"] == "" and env[1]["value"] == "https://x"
    assert exported["version"] == CURRENT_DSL_VERSION
    with_secret = yaml.safe_load(export_dsl(dsl, include_secret=True))
    assert with_secret["workflow"]["environment_variables"][0]["value"] == "sk-secret"
    again = parse_dsl(export_dsl(dsl, include_secret=True))
    assert again.graph_data == dsl.graph_data and again.app == dsl.app


def test_missing_version_defaults_to_0_1_0() -> None:
    dsl = parse_dsl("app: {name: a, mode: chat}\nmodel_config: {}\n")
    assert dsl.version == "0.1.0" and dsl.model_config == {}
    with pytest.raises(DslError):
        dsl.graph()


@pytest.mark.parametrize(
    ("version", "status"),
    [
        ("0.6.0", "completed"),
        ("0.5.0", "completed-with-warnings"),
        ("0.1.0", "completed-with-warnings"),
        ("0.7.0", "pending"),
        ("1.0.0", "pending"),
        ("abc", "failed"),
        ("0.1", "completed-with-warnings"),
    ],
)
def test_version_check_statuses(version: str, status: str) -> None:
    assert check_version(version) == status


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- a\n- b\n", "mapping"),
        ("version: 0.1\napp: {mode: workflow}\n", "version"),
        ("version: 'x.y'\napp: {mode: workflow}\n", "Invalid DSL version"),
        ("app: {mode: nonsense}\n", "Invalid app mode"),
        ("app: {mode: workflow}\n", "workflow.graph"),
        ("version: '0.1.0'\n", "app"),
        ("key: [unclosed\n", "not valid YAML"),
        ("!!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
    ],
)
def test_invalid_documents_are_refused(content: str, message: str) -> None:
    with pytest.raises(DslError, match=message):
        parse_dsl(content)


def test_yaml_alias_bomb_is_refused() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 8):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(DslError, match="alias bomb"):
        parse_dsl("\n".join(lines))


def test_deeply_nested_document_is_refused() -> None:
    with pytest.raises(DslError, match="nested too deeply"):
        parse_dsl("a: " + "[" * 2000 + "]" * 2000)


def test_oversized_document_is_refused() -> None:
    with pytest.raises(DslError, match="larger than"):
        parse_dsl("a: " + "x" * 100, max_bytes=50)


def test_rag_pipeline_kind_parses_with_its_own_block() -> None:
    content = (
        "kind: rag_pipeline\nversion: 0.1.0\nrag_pipeline: {name: p}\n"
        "workflow: {graph: {nodes: [], edges: []}}\n"
    )
    dsl = parse_dsl(content)
    assert dsl.kind == "rag_pipeline" and dsl.is_workflow and dsl.name == "p"
    assert dsl.graph().errors == ["The graph has no start node."]


KNOWLEDGE = """
version: 0.5.0
app: {name: k, mode: workflow}
workflow:
  graph:
    nodes:
      - {id: s, data: {type: start, variables: []}}
      - {id: k, data: {type: knowledge-retrieval, dataset_ids: [DATASETS]}}
      - {id: t, data: {type: tool, provider_id: p, tool_name: x, credential_id: cred-1}}
      - id: a
        data:
          type: agent
          agent_parameters: {tools: {type: constant, value: [{tool_name: y, credential_id: c2}]}}
      - {id: w, data: {type: trigger-plugin, subscription_id: sub-1}}
    edges: []
"""


def test_dataset_ids_are_encrypted_per_tenant_and_credentials_stripped() -> None:
    from yarrow.workflow.dsl_transfer import (
        decrypt_dataset_id,
        encrypt_dataset_id,
        export_for_tenant,
        import_for_tenant,
    )

    dataset = "5f1d3c2a-9b8e-4f7a-8c6d-1e2f3a4b5c6d"
    dsl = parse_dsl(KNOWLEDGE.replace("DATASETS", dataset))
    exported = export_for_tenant(dsl, "tenant-a")
    nodes = {n["id"]: n["data"] for n in exported["workflow"]["graph"]["nodes"]}
    token = nodes["k"]["dataset_ids"][0]
    assert token != dataset and decrypt_dataset_id(token, "tenant-a") == dataset
    assert token == encrypt_dataset_id(dataset, "tenant-a")  # deterministic, as Dify
    assert decrypt_dataset_id(token, "tenant-b") is None
    assert "credential_id" not in nodes["t"]
    assert "credential_id" not in nodes["a"]["agent_parameters"]["tools"]["value"][0]
    assert nodes["w"]["subscription_id"] == ""
    again = parse_dsl(yaml.dump(exported, allow_unicode=True))
    same = import_for_tenant(again, "tenant-a")
    other = import_for_tenant(again, "tenant-b")
    k = {n["id"]: n["data"] for n in same.graph_data["nodes"]}["k"]
    assert k["dataset_ids"] == [dataset]
    assert {n["id"]: n["data"] for n in other.graph_data["nodes"]}["k"]["dataset_ids"] == []
    plain = import_for_tenant(dsl, "tenant-b")
    assert {n["id"]: n["data"] for n in plain.graph_data["nodes"]}["k"]["dataset_ids"] == [dataset]
    assert decrypt_dataset_id("not base64!", "t") is None
    assert decrypt_dataset_id(base64_of(b"0123456789abcdef"), "t") is None


def base64_of(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode()


def test_environment_numbers_are_converted_and_bad_types_refused() -> None:
    base = "app: {name: a, mode: workflow}\nworkflow:\n  graph: {nodes: [], edges: []}\n"
    dsl = parse_dsl(base + "  environment_variables: [{name: N, value: '3', value_type: number}]")
    assert dsl.environment_variables[0].value == 3
    with pytest.raises(DslError, match="not a number"):
        parse_dsl(base + "  environment_variables: [{name: N, value: x, value_type: number}]")
    with pytest.raises(DslError, match="has type"):
        parse_dsl(base + "  environment_variables: [{name: N, value: x, value_type: file}]")


def test_compat_cli_renders_a_folder_and_reports_broken_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from yarrow.workflow.compat import main

    (tmp_path / "ok.yml").write_text(WORKFLOW, encoding="utf-8")
    (tmp_path / "human.yml").write_text(
        WORKFLOW.replace("type: end,", "type: human-input,"), encoding="utf-8"
    )
    (tmp_path / "broken.yml").write_text("- not a mapping\n", encoding="utf-8")
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| ok.yml | 0.1.5 | app | workflow | end, start | supported |" in out
    assert "refuses to run: needs human-input" in out
    assert "| broken.yml | ? | ? | ? | - | does not import:" in out
    assert "3 files: 1 supported" in out and "1 failing to import" in out
    assert main([]) == 2
