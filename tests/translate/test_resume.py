"""A translation run killed mid-way (SIGKILL) and rerun gives byte-identical artifacts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.translate.conftest import REPO

CHILD = r"""
import json, sys, time
import xner.translate.engines as engines
from xner.cache import ArtifactCache
from xner.translate.seq2seq import NLLBTranslator

pause = float(sys.argv[3])
generate = engines.TransformersEngine.generate
def slow_generate(self, *args, **kwargs):
    out = generate(self, *args, **kwargs)
    time.sleep(pause)
    return out
engines.TransformersEngine.generate = slow_generate
sentences = [line.split() for line in open(sys.argv[1], encoding="utf-8")]
t = NLLBTranslator("tiny-nllb:0", beam_size=2, max_length=12, batch_tokens=48, progress=False, device="cpu")
out = t.translate(sentences, "de", "en", cache=ArtifactCache(sys.argv[2]))
open(sys.argv[4], "w", encoding="utf-8").write(json.dumps(out, ensure_ascii=False))
"""

WORDS = [
    "Parlament", "Kommission", "Montag", "Straßburg", "Berlin", "Paris", "sagte", "tagte",
    "handeln", "jetzt", "und", "die", "der", "das", "in", "am",
]


def _inputs(path: Path) -> list[str]:
    lines = [" ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(1 + i % 9)) + f" {i} ." for i in range(40)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def _run(script: Path, inputs: Path, cache: Path, pause: float, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, str(script), str(inputs), str(cache), str(pause), str(out)], env=env,
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _translate_here(inputs: Path, cache: Path) -> str:
    """The child's translation, run in this process (no pause)."""
    from xner.cache import ArtifactCache
    from xner.translate.seq2seq import NLLBTranslator

    sentences = [line.split() for line in inputs.read_text(encoding="utf-8").splitlines()]
    t = NLLBTranslator("tiny-nllb:0", beam_size=2, max_length=12, batch_tokens=48, progress=False, device="cpu")
    return json.dumps(t.translate(sentences, "de", "en", cache=ArtifactCache(cache)), ensure_ascii=False)


def _log(cache: Path) -> Path:
    files = list((cache / "translate").glob("*.jsonl"))
    assert len(files) == 1
    return files[0]


def test_killed_run_resumes_to_byte_identical_artifacts(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    inputs = tmp_path / "in.txt"
    _inputs(inputs)

    proc = _run(script, inputs, tmp_path / "resumed", 0.4, tmp_path / "killed.json")
    deadline = time.monotonic() + 120
    partial = tmp_path / "resumed" / "translate"
    while time.monotonic() < deadline:
        logs = list(partial.glob("*.jsonl")) if partial.exists() else []
        if logs and logs[0].read_bytes().count(b"\n") >= 2:
            break
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    done = _log(tmp_path / "resumed").read_bytes().count(b"\n")
    assert 2 <= done < 40, done  # killed mid-way
    assert not (tmp_path / "killed.json").exists()

    # simulate a kill in the middle of writing a record as well
    with _log(tmp_path / "resumed").open("ab") as fh:
        fh.write(b'{"k": "half a rec')

    resumed = _translate_here(inputs, tmp_path / "resumed")
    reference = _translate_here(inputs, tmp_path / "ref")  # an uninterrupted run
    assert resumed == reference
    assert _log(tmp_path / "resumed").read_bytes() == _log(tmp_path / "ref").read_bytes()
    assert len(json.loads(reference)) == 40
