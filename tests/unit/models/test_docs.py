"""Every model setting is described and documented; every error row in the docs exists."""

from __future__ import annotations

from pathlib import Path

import yarrow.models as models
from yarrow.settings.models import ModelSettings

DOC = Path(__file__).resolve().parents[3] / "docs" / "models.md"


def test_every_setting_has_a_description_and_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for name, field in ModelSettings.model_fields.items():
        assert field.description, f"{name} has no description"
        assert name.upper() in text, f"{name.upper()} is not documented in docs/models.md"


def test_every_error_class_is_documented():
    text = DOC.read_text(encoding="utf-8")
    errors = [n for n in models.__all__ if n.endswith("Error") and n != "UnknownProviderError"]
    assert len(errors) >= 9
    for name in errors:
        if name == "ModelError":
            continue
        assert f"`{name}`" in text, f"{name} is missing from the error table"
