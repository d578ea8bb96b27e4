"""Every SSRF setting is documented (docs/storage.md, section yarrow.net) with Dify names."""

from __future__ import annotations

from pathlib import Path

import pytest

from yarrow.settings.ssrf import SsrfSettings

DOC = Path(__file__).parents[3] / "docs" / "storage.md"  # its "yarrow.net" section


@pytest.mark.parametrize("name", sorted(SsrfSettings.model_fields))
def test_setting_has_a_description_and_is_in_the_docs(name: str) -> None:
    field = SsrfSettings.model_fields[name]
    assert field.description and field.description.strip()
    assert name.upper() in DOC.read_text(), f"{name.upper()} is missing from docs/storage.md"


def test_dify_defaults_are_kept() -> None:
    settings = SsrfSettings.model_validate({})
    assert settings.ssrf_proxy_http_url is None
    assert settings.ssrf_default_time_out == 5.0
    assert settings.http_request_node_max_binary_size == 10485760
    assert settings.allowed_networks == []
