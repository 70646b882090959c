"""Faults: a job SIGKILLed during translation, alignment, projection and training resumes to outputs
byte-identical to an uninterrupted run; no cache entry is ever half-written or used half-written;
a full disk or a permission error on the cache is one clear message (exit 2, no traceback).

Every job is a real `run.py` process (forked by the `zygote` fixture) that kills itself with
SIGKILL at the injected point (see faultrun.py), so none of xner's cleanup code runs.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch

from xner.cache import _MAGIC


@dataclass
class CacheAudit:
    entries: int = 0
    records: int = 0
    checkpoints: int = 0  # a resumable fit's training state (train_state/<key>/*.ckpt), each loadable
    torn_tails: list[str] = field(default_factory=list)  # a JSONL log whose last line was cut
    bad: list[str] = field(default_factory=list)  # anything else that is not a whole, valid entry
    temporaries: list[str] = field(default_factory=list)


def audit_cache(root: Path) -> CacheAudit:
    """Check every file of an artifact cache the way a reader would, without repairing anything."""
    audit = CacheAudit()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            audit.temporaries.append(path.name)
        elif path.suffix == ".pkl":
            blob = path.read_bytes()
            head = len(_MAGIC) + 65
            digest = hashlib.sha256(blob[head:]).hexdigest().encode()
            if blob.startswith(_MAGIC) and digest == blob[len(_MAGIC) : head - 1]:
                audit.entries += 1
            else:
                audit.bad.append(str(path))
        elif path.suffix == ".ckpt" and path.parent.parent.name == "train_state":
            try:
                torch.load(path, map_location="cpu", weights_only=False)
                audit.checkpoints += 1
            except Exception:
                audit.bad.append(str(path))
        elif path.suffix == ".jsonl":
            lines = path.read_bytes().split(b"\n")
            for k, raw in enumerate(lines):
                if not raw:
                    continue
                try:
                    rec = json.loads(raw)
                    body = json.dumps([rec["k"], rec["v"]], sort_keys=True, default=str, separators=(",", ":"),
                                      ensure_ascii=False)
                    assert hashlib.sha256(body.encode()).hexdigest()[:16] == rec["c"]
                    audit.records += 1
                except (ValueError, KeyError, AssertionError):
                    last = k == len(lines) - 1 or (k == len(lines) - 2 and not lines[-1])
                    (audit.torn_tails if last and not raw.endswith(b"}") else audit.bad).append(f"{path}:{k + 1}")
        else:
            audit.bad.append(f"unexpected file {path}")
    return audit


SMALL_CHUNKS = {"xner.pipeline.stages:ALIGN_CHUNK": 3}  # alignments appended to the cache 3 pairs at a time


def test_killed_in_every_stage_then_resumed_gives_identical_outputs(zygote, job, reference_run, tmp_path):
    args, cache, run = job.args_for(tmp_path, "logger=none"), tmp_path / "cache", tmp_path / "run"
    kills = [
        ("translation", "append:translate:2"),  # after 2 of 6 translated batches, the 2nd torn mid-record
        ("alignment", "append:align:1"),  # after the first 3 aligned pairs, the 3rd torn
        ("projection", "fsync:translate_train_projection:1"),  # while writing the projected set to the cache
        ("output", "fsync:projected_train.conll:1"),  # while writing the projected training file
        ("training", "train_step:3"),  # in the 2nd epoch
    ]
    logs = {}
    for stage, fault in kills:
        result = zygote.run(args, tmp_path / f"{stage}.log", fault, SMALL_CHUNKS)
        assert result.killed, f"{stage}: expected a SIGKILL, got exit {result.code}\n{result.log[-3000:]}"
        assert not (run / "metrics.json").exists()
        audit = audit_cache(cache)
        assert audit.bad == [], f"after the kill in {stage}: {audit.bad}"
        if stage in ("translation", "alignment"):
            assert len(audit.torn_tails) == 1, audit  # the kill tore a record ...
        else:
            assert audit.torn_tails == [], audit  # ... which the next run dropped and recomputed
        if stage == "projection":
            assert audit.temporaries, "the cache entry being written when killed"  # never renamed into place
            assert not list((cache / "translate_train_projection").glob("*.pkl"))
        if stage == "output":  # the run directory never holds a half-written file
            assert not (run / "projected_train.conll").exists()
            assert list(run.glob(".projected_train.conll.*.tmp"))
        logs[stage] = result.log
    final = zygote.run(args, tmp_path / "final.log", None, SMALL_CHUNKS)
    assert final.code == 0, final.log[-3000:]

    # the reruns resumed: each stage reused what the killed run had finished and redid the torn part
    assert "dropped 1 truncated/corrupt record(s)" in logs["alignment"]
    done = int(re.search(r"translated (\d+) sentences", logs["alignment"]).group(1))
    total = int(re.search(r"translated (\d+) sentences", (reference_run.parent / "job.log").read_text()).group(1))
    assert 0 < done < total
    assert re.search(r"aligning \d+ sentence pairs \([1-9]\d* cached", logs["projection"])
    assert "reusing cached output" not in logs["output"]  # the torn projection entry was never used ...
    assert "reusing cached output" in logs["training"]  # ... the one written after it was
    assert "aligning" not in final.log and not re.search(r"translated \d+ sentences", final.log)
    assert re.search(r"resuming training from \S+last\.ckpt \(after epoch 1\)", final.log), final.log[-3000:]

    # and everything matches the uninterrupted run, byte for byte
    for name in job.outputs:
        assert (run / name).read_bytes() == (reference_run / name).read_bytes(), name
    assert job.stable_metrics(run) == job.stable_metrics(reference_run)
    audit = audit_cache(cache)
    assert audit.bad == [] and audit.torn_tails == [] and audit.entries == 1 and audit.records > 0
    assert audit.checkpoints == 0 and not any((cache / "train_state").iterdir())  # removed once the job ended


def test_disk_full_in_the_cache_is_one_clear_error(zygote, job, tmp_path):
    result = zygote.run(job.args_for(tmp_path, "logger=none"), tmp_path / "job.log", "enospc:/translate/:1")
    assert result.code == 2, result.log[-3000:]
    assert "cannot write the artifact cache at" in result.log and "the disk is full" in result.log
    assert "cache.enabled=false" in result.log and "Traceback" not in result.log
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_permission_denied_on_a_cache_entry_leaves_no_partial_entry(zygote, job, reference_run, tmp_path):
    for stage in ("translate", "align"):  # start from the reference's translations and alignments
        shutil.copytree(reference_run.parent / "cache" / stage, tmp_path / "cache" / stage)
    fault = "eacces:/translate_train_projection/:1"
    result = zygote.run(job.args_for(tmp_path, "logger=none"), tmp_path / "job.log", fault)
    assert result.code == 2, result.log[-3000:]
    assert "translate_train_projection" in result.log and "permission denied" in result.log
    assert "Traceback" not in result.log
    stage = tmp_path / "cache" / "translate_train_projection"
    assert not stage.exists() or not any(stage.iterdir())  # the temporary file was removed
    assert audit_cache(tmp_path / "cache").bad == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["aligner.method=maxmax"], "aligner.method='maxmax' is not valid; choose one of argmax, itermax, match"),
    ],
)
def test_entry_point_reports_user_errors_in_one_line(zygote, tmp_path, overrides, message):
    """Errors raised in constructors reach the user through Hydra's instantiate: still exit 2, one line."""
    args = ["task=projection_eval", "data=europarl_ner", "lang=de", "data.limit=2", "aligner=simalign",
            "aligner.encoder=offline:multilingual-e5-small", "logger=none", f"paths.cache_dir={tmp_path / 'c'}",
            f"hydra.run.dir={tmp_path / 'run'}", *overrides]
    result = zygote.run(args, tmp_path / "job.log")
    assert result.code == 2, result.log[-3000:]
    errors = [line for line in result.log.splitlines() if "[ERROR]" in line or line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.log[-3000:]
    assert "Traceback" not in result.log and "InstantiationException" not in result.log


def test_a_model_save_that_fails_half_way_leaves_the_previous_model(tmp_path):
    """`save_model` writes model and tokenizer into a temporary directory that replaces the old one
    only when both are complete (a kill or a full disk between the two never leaves a mixed model)."""
    from types import SimpleNamespace

    from xner.ner.train import save_model

    class Part:
        def __init__(self, name: str, fail: bool = False):
            self.name, self.fail = name, fail

        def save_pretrained(self, directory):
            Path(directory).mkdir(parents=True, exist_ok=True)
            (Path(directory) / self.name).write_text("new")
            if self.fail:
                raise OSError(28, "No space left on device")

    target = tmp_path / "model"
    target.mkdir()
    (target / "weights").write_text("old")
    broken = SimpleNamespace(model=Part("weights"), tokenizer=Part("tokenizer", fail=True))
    with pytest.raises(OSError):
        save_model(broken, target)
    assert sorted(p.name for p in target.iterdir()) == ["weights"] and (target / "weights").read_text() == "old"
    save_model(SimpleNamespace(model=Part("weights"), tokenizer=Part("tokenizer")), target)
    assert sorted(p.name for p in target.iterdir()) == ["tokenizer", "weights"]
    assert (target / "weights").read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["model"]


def test_a_sweep_killed_in_its_second_job_resumes_without_redoing_the_first(zygote, tmp_path):
    """`-m` sweep of two jobs, killed while the second writes its metrics.json: rerunning the same
    sweep skips the finished job and redoes the killed one, which never left a partial metrics.json."""
    sweep = tmp_path / "sweep"
    args = ["-m", "task=data_stats", "data=europarl_ner", "lang=de,es", "logger=none", f"hydra.sweep.dir={sweep}"]
    killed = zygote.run(args, tmp_path / "first.log", "fsync:metrics.json:2")
    assert killed.killed, killed.log[-3000:]
    (first,), (second,) = sweep.glob("*lang=de*"), sweep.glob("*lang=es*")  # one directory per job
    assert (first / "metrics.json").exists() and not (second / "metrics.json").exists()
    assert list(second.glob(".metrics.json.*.tmp"))  # the torn write never became metrics.json
    finished = (first / "metrics.json").read_bytes()

    rerun = zygote.run(args, tmp_path / "rerun.log")
    assert rerun.code == 0, rerun.log[-3000:]
    assert "job already finished, skipping it" in rerun.log
    assert (first / "metrics.json").read_bytes() == finished
    assert json.loads((second / "metrics.json").read_text())["data/test/sentences"] == 799


def test_a_corrupt_metrics_json_is_not_taken_for_a_finished_job(zygote, tmp_path):
    """A metrics.json cut by something outside xner (a copy, a full disk) must not make the sweep
    skip the job: it is rerun and the file rewritten whole."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.json").write_text('{"data/test/sentences": 7')
    result = zygote.run(["task=data_stats", "data=europarl_ner", "lang=de", "logger=none", f"hydra.run.dir={run}"],
                        tmp_path / "job.log")
    assert result.code == 0, result.log[-3000:]
    assert "metrics.json is corrupt; rerunning the job" in result.log
    assert json.loads((run / "metrics.json").read_text())["data/test/sentences"] == 799


TRANSLATE_TEST = [
    "task=translate_test", "data=europarl_ner", "lang=de", "data.limit=10", "translator=nllb",
    "translator.model=tiny-nllb:0", "translator.device=cpu", "translator.max_length=24", "translator.beam_size=1",
    "translator.batch_tokens=48", "translator.progress=false", "tagger=tiny", "aligner=simalign",
    "aligner.encoder=offline:multilingual-e5-small", "aligner.progress=false", "projection=matching",
    "candidates=ngram", "matcher=greedy", "logger=none", "print_metrics=false",
]


def test_translate_test_killed_while_tagging_resumes_to_identical_outputs(zygote, job, tmp_path):
    """The source tagger's output is one cache entry: a kill while it is written leaves no entry;
    the rerun tags again, reuses the cached translations, and ends byte-identical to a clean run."""
    clean = zygote.run([*TRANSLATE_TEST, f"paths.cache_dir={tmp_path / 'c0'}", f"hydra.run.dir={tmp_path / 'r0'}"],
                       tmp_path / "clean.log")
    assert clean.code == 0, clean.log[-3000:]
    args = [*TRANSLATE_TEST, f"paths.cache_dir={tmp_path / 'c1'}", f"hydra.run.dir={tmp_path / 'r1'}"]
    killed = zygote.run(args, tmp_path / "killed.log", "fsync:/tag/:1")
    assert killed.killed, killed.log[-3000:]
    assert audit_cache(tmp_path / "c1").bad == [] and not list((tmp_path / "c1" / "tag").glob("*.pkl"))
    rerun = zygote.run(args, tmp_path / "rerun.log")
    assert rerun.code == 0, rerun.log[-3000:]
    assert not re.search(r"translated \d+ sentences", rerun.log)  # the translations were reused ...
    assert "loading tagger" in rerun.log  # ... the tagging was redone
    for name in ("predictions.conll", "translations.de-en.jsonl"):
        assert (tmp_path / "r1" / name).read_bytes() == (tmp_path / "r0" / name).read_bytes(), name
    assert job.stable_metrics(tmp_path / "r1") == job.stable_metrics(tmp_path / "r0")
