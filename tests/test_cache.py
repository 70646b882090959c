import json
import os

import pytest

from xner.cache import AppendLog, ArtifactCache, CacheError, atomic_write_text, fingerprint
from xner.data.conll import write_conll
from xner.data.types import Sentence


def test_key_depends_on_stage_config_input_and_code(tmp_path):
    cache = ArtifactCache(tmp_path)
    base = cache.key("align", {"layer": 8}, "abc")
    assert base == cache.key("align", {"layer": 8}, "abc")
    assert (
        len(
            {
                base,
                cache.key("align", {"layer": 9}, "abc"),
                cache.key("align", {"layer": 8}, "abd"),
                cache.key("project", {"layer": 8}, "abc"),
                ArtifactCache(tmp_path, code_version="0.0").key("align", {"layer": 8}, "abc"),
            }
        )
        == 5
    )


def test_get_or_compute_reuses(tmp_path):
    cache = ArtifactCache(tmp_path)
    calls = []
    compute = lambda: calls.append(1) or [1, 2, 3]  # noqa: E731
    assert cache.get_or_compute("s", {}, "fp", compute) == [1, 2, 3]
    assert cache.get_or_compute("s", {}, "fp", compute) == [1, 2, 3]
    assert len(calls) == 1


def test_disabled_cache_always_recomputes(tmp_path):
    cache = ArtifactCache(tmp_path, enabled=False)
    calls = []
    for _ in range(2):
        cache.get_or_compute("s", {}, "fp", lambda: calls.append(1) or 1)
    assert len(calls) == 2 and not any(tmp_path.iterdir())


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_corrupt_entry_is_detected_and_recomputed(tmp_path, damage):
    cache = ArtifactCache(tmp_path)
    key = cache.key("s", {}, "fp")
    cache.put("s", key, {"value": list(range(100))})
    path = cache.path("s", key)
    blob = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(blob[: len(blob) // 2])
    elif damage == "flip":
        path.write_bytes(blob[:-5] + bytes([blob[-5] ^ 0xFF]) + blob[-4:])
    else:
        path.write_bytes(b"not a cache entry")
    assert cache.get("s", key) is None
    assert not path.exists()
    assert cache.get_or_compute("s", {}, "fp", lambda: "fresh") == "fresh"
    assert cache.get("s", key) == "fresh"


def test_fingerprint_is_stable_and_sensitive():
    from xner.data.types import Sentence

    a = [Sentence(("a", "b"), ("O", "O"), id="1")]
    b = [Sentence(("a", "c"), ("O", "O"), id="1")]
    assert fingerprint(a) == fingerprint(list(a)) != fingerprint(b)


def test_append_log_drops_truncated_tail(tmp_path):
    log = AppendLog(tmp_path / "t.jsonl")
    log.append({"s1": "Hallo", "s2": ["x", "y"]})
    with open(log.path, "a") as fh:  # a write killed half-way
        fh.write('{"k": "s3", "v": "tru')
    assert log.load() == {"s1": "Hallo", "s2": ["x", "y"]}
    log.append({"s3": "fixed"})
    assert log.load() == {"s1": "Hallo", "s2": ["x", "y"], "s3": "fixed"}
    # every line is valid JSON after the repair
    assert all(json.loads(line) for line in log.path.read_text().splitlines())


def test_append_log_rejects_tampered_record(tmp_path):
    log = AppendLog(tmp_path / "t.jsonl")
    log.append({"a": 1})
    log.path.write_text(log.path.read_text().replace('"v": 1', '"v": 2'))
    assert log.load() == {}


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_cache_gives_clear_message(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(CacheError, match=r"permission denied.*cache.enabled=false"):
            ArtifactCache(ro).put("s", "k", 1)
    finally:
        ro.chmod(0o700)


def test_unwritable_cache_as_root_via_file_in_the_way(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache directory should be")
    with pytest.raises(CacheError, match="cannot write the artifact cache"):
        ArtifactCache(blocker).put("s", "k", 1)


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "m.json"
    atomic_write_text(path, "old")
    atomic_write_text(path, "new")
    assert path.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["m.json"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_write_honours_the_umask(tmp_path, umask, mode):
    # mkstemp creates 0600 files; run outputs (projected.conll, sentalign files) must be readable
    # by whoever the umask allows, as with a plain open().
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "out.txt", "x")
        ArtifactCache(tmp_path / "cache").put("s", "k", [1])
        write_conll(tmp_path / "projected.conll", [Sentence(("a",), ("O",), "s1")])
    finally:
        os.umask(old)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == mode
    assert (tmp_path / "projected.conll").stat().st_mode & 0o777 == mode
    assert ArtifactCache(tmp_path / "cache").path("s", "k").stat().st_mode & 0o777 == mode
