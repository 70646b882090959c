"""Fixtures. Tiny translation models are built once into ``$XNER_HOME/models`` (atomically) and reused."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache(tmp_path):
    from xner.cache import ArtifactCache

    return ArtifactCache(tmp_path / "cache")


SENTENCES = [
    ["Das", "Parlament", "tagte", "am", "Montag", "in", "Straßburg", "."],
    ["Hallo"],
    ["Barack", "Obama", "besuchte", "Paris", "und", "Berlin", "im", "Jahr", "2009", "."],
    [],
    ["Herr", "Schulz", "sagte", ",", "die", "Kommission", "müsse", "jetzt", "handeln", "."],
    ["Deutschland", ",", "Frankreich", "und", "Spanien", "unterzeichneten", "das", "Abkommen", "."],
    ["Das", "Parlament", "tagte", "am", "Montag", "in", "Straßburg", "."],  # a duplicate
]
