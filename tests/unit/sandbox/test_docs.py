"""Every sandbox setting is documented in docs/sandbox.md (a test fails when one is not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from yarrow.settings.sandbox import SandboxSettings

DOC = Path(__file__).resolve().parents[3] / "docs" / "sandbox.md"


@pytest.mark.parametrize("name", sorted(SandboxSettings.model_fields))
def test_setting_is_documented(name: str) -> None:
    assert f"`{name.upper()}`" in DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SandboxSettings.model_fields))
def test_setting_has_a_description(name: str) -> None:
    assert SandboxSettings.model_fields[name].description
