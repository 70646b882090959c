"""Shared test fixtures: the development data directory and the repository's conf/ directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONF_DIR = REPO / "conf"

# Tests never talk to W&B servers.
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")


def data_dir_or_none() -> Path | None:
    value = os.environ.get("XNER_DATA")
    path = Path(value) if value else REPO.parent / "shared" / "data"
    return path.resolve() if path.is_dir() else None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The development data collection (XNER_DATA, default ../shared/data); skips when absent."""
    path = data_dir_or_none()
    if path is None:
        pytest.skip("development data not found: set XNER_DATA to the shared data directory")
    return path


@pytest.fixture(scope="session")
def conf_dir() -> Path:
    return CONF_DIR
