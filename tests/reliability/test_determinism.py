"""Determinism: the same config and seed twice give byte-identical projected files, predictions and
metrics on CPU — here with the artifact cache off, so every stage (translation, alignment,
projection, training) is computed again, in a new interpreter with a different string-hash seed —
and the run records its seed and the library versions in metrics.json and in the W&B run config."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from xner.pipeline import versions


def wandb_records(path: Path) -> Iterator[bytes]:
    """The records of an offline ``.wandb`` file (a LevelDB-style log: 32 KiB blocks of chunks with a
    7-byte header — CRC32, length, type FULL/FIRST/MIDDLE/LAST — after a 7-byte file header)."""
    data = path.read_bytes()
    assert data[:4] == b":W&B", "not a W&B run file"
    pos, block, pending = 7, 32768, b""
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # a block's tail too short for a header is padding
            pos += block - pos % block
            continue
        length, kind = int.from_bytes(data[pos + 4 : pos + 6], "little"), data[pos + 6]
        chunk, pos = data[pos + 7 : pos + 7 + length], pos + 7 + length
        if kind == 1:
            yield chunk
        elif kind == 2:
            pending = chunk
        elif kind == 3:
            pending += chunk
        elif kind == 4:
            yield pending + chunk


def wandb_config(run_dir: Path) -> dict:
    """The run config W&B recorded offline (what `wandb sync` would upload)."""
    from wandb.proto import wandb_internal_pb2

    (path,) = run_dir.glob("wandb/offline-run-*/*.wandb")
    config = {}
    for raw in wandb_records(path):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(raw)
        kind = record.WhichOneof("record_type")
        items = record.run.config.update if kind == "run" else record.config.update if kind == "config" else []
        config.update({item.key: json.loads(item.value_json) for item in items})
    return config


def test_same_config_and_seed_twice_gives_identical_outputs(fresh_process, job, reference_run, tmp_path):
    # a new interpreter with another PYTHONHASHSEED: output must not depend on set/dict order of strings
    result = fresh_process(job.args_for(tmp_path, "logger=wandb", "cache.enabled=false"), tmp_path / "job.log")
    assert result.code == 0, result.log[-3000:]
    run = tmp_path / "run"
    assert not (tmp_path / "cache").exists()  # nothing was reused: every stage ran again
    for name in job.outputs:
        assert (run / name).read_bytes() == (reference_run / name).read_bytes(), name
    assert job.stable_metrics(run) == job.stable_metrics(reference_run)

    metrics = json.loads((run / "metrics.json").read_text())
    expected = versions()
    assert {"meta/torch_version", "meta/transformers_version", "meta/pytorch_lightning_version"} <= set(expected)
    assert metrics["meta/seed"] == 42
    assert {k: metrics[k] for k in expected} == expected

    config = wandb_config(run)
    assert config["seed"] == 42
    assert config["versions"] == {k.removeprefix("meta/"): v for k, v in expected.items()}


def _synthetic_inputs(n: int):
    """The memory benchmark's realistic synthetic projection inputs (benchmarks/memory.py)."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "memory.py"
    spec = importlib.util.spec_from_file_location("xner_memory_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.synthetic_inputs(n, seed=3), module.projector


def test_a_sentence_result_does_not_depend_on_the_rest_of_its_batch(data_dir, e5_simalign):
    """The cache reuses per-pair alignments across runs (a subset reuses a superset's), and a sweep
    may project any subset: so a pair's links and a sentence's projection must not depend on which
    other sentences were aligned or projected with it (padding, batch order, solver blocks)."""
    from xner.data.loaders import EuroparlNER

    pairs = EuroparlNER(data_dir=str(data_dir), lang="de", limit=24).pairs()
    src, tgt = [list(p.source.words) for p in pairs], [list(p.target.words) for p in pairs]
    aligner = e5_simalign
    together = aligner.align(src, tgt)
    reversed_order = aligner.align(src[::-1], tgt[::-1])[::-1]
    alone = [aligner.align([s], [t])[0] for s, t in zip(src[:6], tgt[:6], strict=True)]
    assert sum(map(len, together)) > 100
    assert together == reversed_order and together[:6] == alone

    inputs, make_projector = _synthetic_inputs(400)
    for method in ("greedy", "ilp"):
        projector = make_projector(method)
        whole = projector.project(inputs)
        pieces = [p for k in range(0, len(inputs), 7) for p in projector.project(inputs[k : k + 7])]
        assert sum(len(p.spans) for p in whole) > 300
        assert [p.spans for p in whole] == [p.spans for p in pieces], method
