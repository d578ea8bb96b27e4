"""`yarrow storage check|ls` and `yarrow net check-url` on the embedded default storage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from yarrow.entrypoints.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DB_TYPE", "STORAGE_TYPE", "OPENDAL_SCHEME", "OPENDAL_FS_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("YARROW_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_storage_check_passes_on_the_embedded_default(env: Path) -> None:
    result = CliRunner().invoke(main, ["storage", "check"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["storage_type"] == "opendal"
    probe_dir = env / "storage" / ".yarrow-probe"
    assert not probe_dir.exists() or not any(probe_dir.iterdir())


def test_storage_check_reports_an_unknown_type(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_TYPE", "floppy")
    result = CliRunner().invoke(main, ["storage", "check"])
    assert result.exit_code == 1
    assert "Unknown STORAGE_TYPE 'floppy'" in result.output


def test_storage_ls_lists_keys_by_prefix(env: Path) -> None:
    (env / "storage" / "a").mkdir(parents=True)
    (env / "storage" / "a" / "one.txt").write_text("1")
    (env / "storage" / "b.txt").write_text("2")
    result = CliRunner().invoke(main, ["storage", "ls", "a/"])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["a/one.txt"]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://2130706433/", "http://[::1]/", "file:///etc/passwd"]
)
def test_check_url_refuses(env: Path, url: str) -> None:
    result = CliRunner().invoke(main, ["net", "check-url", url])
    assert result.exit_code == 1
    assert '"allowed": false' in result.output


def test_check_url_allows_a_public_address(env: Path) -> None:
    result = CliRunner().invoke(main, ["net", "check-url", "https://8.8.8.8/dns"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "url": "https://8.8.8.8/dns",
        "allowed": True,
        "addresses": ["8.8.8.8"],
    }


def test_check_url_honours_the_allow_list(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YARROW_SSRF_ALLOWED_NETWORKS", "127.0.0.1/32")
    result = CliRunner().invoke(main, ["net", "check-url", "http://127.0.0.1:8080/"])
    assert result.exit_code == 0, result.output
