"""Every storage setting is documented and keeps Dify's variable name or a YARROW_ prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from yarrow.settings.storage import StorageSettings

DOC = Path(__file__).parents[3] / "docs" / "storage.md"


@pytest.mark.parametrize("name", sorted(StorageSettings.model_fields))
def test_setting_has_a_description_and_is_in_the_docs(name: str) -> None:
    field = StorageSettings.model_fields[name]
    assert field.description and field.description.strip()
    assert name.upper() in DOC.read_text(), f"{name.upper()} is missing from docs/storage.md"


def test_dify_defaults_are_kept() -> None:
    settings = StorageSettings.model_validate({})
    assert settings.storage_type == "opendal"
    assert settings.opendal_scheme == "fs"
    assert settings.storage_local_path == "storage"
    assert settings.s3_address_style == "auto"
    assert settings.azure_blob_container_name == "difyai-container"
