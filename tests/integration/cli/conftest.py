"""Fixtures running the real ``yarrow`` command against a private data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "data")
