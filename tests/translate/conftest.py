"""Fixtures: tiny translation models built once per session into a temporary XNER_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def xner_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("xner_home")
    old = os.environ.get("XNER_HOME")
    os.environ["XNER_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("XNER_HOME", None)
    else:
        os.environ["XNER_HOME"] = old


@pytest.fixture
def cache(tmp_path):
    from xner.pipeline.cache import ArtifactCache

    return ArtifactCache(tmp_path / "cache")


def data_dir() -> Path:
    return Path(os.environ.get("XNER_DATA") or REPO.parent / "shared" / "data").resolve()


SENTENCES = [
    ["Das", "Parlament", "tagte", "am", "Montag", "in", "Straßburg", "."],
    ["Hallo"],
    ["Barack", "Obama", "besuchte", "Paris", "und", "Berlin", "im", "Jahr", "2009", "."],
    [],
    ["Herr", "Schulz", "sagte", ",", "die", "Kommission", "müsse", "jetzt", "handeln", "."],
    ["Deutschland", ",", "Frankreich", "und", "Spanien", "unterzeichneten", "das", "Abkommen", "."],
    ["Das", "Parlament", "tagte", "am", "Montag", "in", "Straßburg", "."],  # a duplicate
]
