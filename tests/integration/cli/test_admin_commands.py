"""The admin commands as an automation script would use them (JSON on stdout)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.live import Cli


def _setup(cli: Cli) -> dict[str, str]:
    out: dict[str, str] = cli.json(
        "setup",
        "--email",
        "ops@example.com",
        "--name",
        "Ops",
        "--password",
        "passw0rd-ops",
        "--workspace",
        "Main",
    )
    return out


def test_setup_then_apps_and_keys(cli: Cli) -> None:
    setup = _setup(cli)
    assert setup["result"] == "success" and setup["workspace_id"]
    again = cli.run(
        "setup", "--email", "x@example.com", "--name", "X", "--password", "passw0rd-x", check=False
    )
    assert again.returncode == 1 and "already" in again.stderr
    app = cli.json("apps", "create", "--mode", "chat", "--name", "Helpdesk", "--api-key")
    assert app["mode"] == "chat" and app["workspace_id"] == setup["workspace_id"]
    assert re.fullmatch(r"app-[A-Za-z0-9]{24}", app["api_key"])
    plain = cli.json("apps", "create", "--mode", "workflow", "--name", "Flow")
    assert "api_key" not in plain
    listed = cli.json("apps", "list")
    assert listed["total"] == 2 and {a["name"] for a in listed["data"]} == {"Helpdesk", "Flow"}
    assert cli.json("apps", "list", "--mode", "workflow")["total"] == 1
    key = cli.json("keys", "create", "--app", plain["id"])
    assert key["api_key"].startswith("app-") and key["app_id"] == plain["id"]
    knowledge = cli.json("keys", "create", "--knowledge")
    assert re.fullmatch(r"dataset-[A-Za-z0-9]{24}", knowledge["api_key"])


def test_errors_are_clear_and_nonzero(cli: Cli) -> None:
    before_setup = cli.run("apps", "create", "--mode", "chat", "--name", "x", check=False)
    assert before_setup.returncode == 1 and "yarrow setup" in before_setup.stderr
    _setup(cli)
    bad_mode = cli.run("apps", "create", "--mode", "chatbot", "--name", "x", check=False)
    assert bad_mode.returncode == 1 and "Invalid mode" in bad_mode.stderr
    both = cli.run("keys", "create", "--knowledge", "--app", "x", check=False)
    assert both.returncode == 2 and "exactly one" in both.stderr
    missing = cli.run(
        "keys", "create", "--app", "00000000-0000-0000-0000-000000000000", check=False
    )
    assert missing.returncode == 1 and "not found" in missing.stderr.lower()


def test_config_show_redacts_secrets(cli: Cli) -> None:
    cli.env.update({"DB_PASSWORD": "db-secret-123", "S3_SECRET_KEY": "s3-secret-456"})
    shown = cli.run("config", "show").stdout
    data = cli.json("config", "show")
    assert data["embedded"] is True and data["db"]["DB_TYPE"] == "sqlite"
    assert data["core"]["SECRET_KEY"] == "********"
    for secret in ("db-secret-123", "s3-secret-456"):
        assert secret not in shown


def test_production_mode_refuses_placeholder_key(cli: Cli) -> None:
    cli.env.update(
        {"DB_TYPE": "sqlite", "SECRET_KEY": "sk-9f73s3ljTXVcMT3Blb3ljTqtsKiGHXVcMT3BlbkFJLK7U"}
    )
    done = cli.run("migrate", check=False)
    assert done.returncode == 1
    assert "placeholder" in done.stderr and "openssl rand" in done.stderr


def test_every_command_has_help(cli: Cli) -> None:
    for args in (
        ["--help"],
        ["serve", "--help"],
        ["api", "--help"],
        ["migrate", "--help"],
        ["setup", "--help"],
        ["apps", "create", "--help"],
        ["apps", "list", "--help"],
        ["keys", "create", "--help"],
        ["config", "show", "--help"],
    ):
        assert "Usage:" in cli.run(*args).stdout


CHAT_DSL = """
version: "0.1.5"
kind: app
app: {mode: chat, name: From DSL, icon: "🦉", description: imported}
model_config:
  pre_prompt: "You are {{who}}."
  user_input_form:
    - text-input: {label: Who, variable: who, required: true, max_length: 30}
  opening_statement: Hi!
"""


def test_import_and_export_dsl(cli: Cli, tmp_path: Path) -> None:
    _setup(cli)
    source = tmp_path / "app.yml"
    source.write_text(CHAT_DSL)
    imported = cli.json("apps", "import", str(source), "--api-key")
    assert imported["status"] == "completed-with-warnings"  # version 0.1.5 predates 0.6.0
    assert imported["app_mode"] == "chat" and imported["api_key"].startswith("app-")
    exported = yaml.safe_load(cli.run("apps", "export", imported["app_id"]).stdout)
    assert exported["app"]["name"] == "From DSL" and exported["version"] == "0.6.0"
    assert exported["model_config"]["pre_prompt"] == "You are {{who}}."
    assert exported["model_config"]["opening_statement"] == "Hi!"
    broken = tmp_path / "broken.yml"
    broken.write_text("app: [")
    failed = cli.run("apps", "import", str(broken), check=False)
    assert failed.returncode == 1 and "Invalid DSL" in failed.stderr
