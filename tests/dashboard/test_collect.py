import json
import os
from pathlib import Path

import pytest

from xner.dashboard.collect import collect_runs, parse_metrics
from xner.errors import XnerError

from .dashboard_runs import make_run, test_metrics


def test_collects_runs_and_says_what_it_skipped(sweep: Path):
    coll = collect_runs([sweep])
    assert len(coll.runs) == 10  # 9 sweep runs + the align_eval run (used where it has the metric)
    reasons = {s.path.name: s.reason for s in coll.skipped}
    assert set(reasons) == {"corrupt", "unfinished"}
    assert "truncated or not valid JSON" in reasons["corrupt"]
    assert "no metrics.json" in reasons["unfinished"]
    swa = [r for r in coll.runs if r.lang == "swa"]
    assert sorted(r.method.label for r in swa) == ["heuristic/simalign", "model-transfer", "ngram-greedy/simalign"]
    mt = next(r for r in swa if r.method.label == "model-transfer")
    assert mt.metrics["test/recall"] == 0.60
    assert mt.meta == {"meta/model": "tiny"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("[0.5]", "JSON list"),
        ('{"test/recall": 0.5', "truncated"),
        ('{"meta/model": "x", "test/recall": "high"}', "no numeric metrics"),
    ],
)
def test_unusable_metrics_files(text: str, reason: str):
    with pytest.raises(ValueError, match=reason):
        parse_metrics(text)


def test_non_numeric_values_are_reported_not_kept():
    metrics, meta, dropped = parse_metrics(
        json.dumps({"test/recall": 0.5, "test/n": 3, "flag": True, "nested": {"a": 1}, "meta/x": "y"}).replace(
            "3", "NaN"
        )
    )
    assert metrics == {"test/recall": 0.5}
    assert meta == {"meta/x": "y"}
    assert sorted(d.split()[0] for d in dropped) == ["flag", "nested", "test/n"]


def test_duplicate_runs_keep_the_newest(tmp_path: Path):
    old = make_run(tmp_path / "a", "r", "swa", "model_transfer", metrics=test_metrics(0.3))
    new = make_run(tmp_path / "b", "r", "swa", "model_transfer", metrics=test_metrics(0.6))
    os.utime(old / "metrics.json", (1_000_000, 1_000_000))
    coll = collect_runs([tmp_path / "a", tmp_path / "b"])
    assert [r.path for r in coll.runs] == [new]
    assert coll.skipped[0].path == old and "superseded" in coll.skipped[0].reason


def test_dataset_other_than_the_default_gets_its_own_column(tmp_path: Path):
    make_run(tmp_path, "wiki", "de", "model_transfer", metrics=test_metrics(0.7), data="wikiann")
    make_run(tmp_path, "ep", "de", "model_transfer", metrics=test_metrics(0.8), data="europarl_ner")
    cols = sorted(r.column for r in collect_runs([tmp_path]).runs)
    assert cols == ["de", "de/europarl_ner"]


def test_empty_and_missing_dirs(tmp_path: Path):
    coll = collect_runs([tmp_path])
    assert coll.runs == [] and coll.skipped == []
    assert "no run directories" in coll.notes[0]
    with pytest.raises(XnerError, match="not a directory"):
        collect_runs([tmp_path / "nope"])


def test_missing_config(tmp_path: Path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "metrics.json").write_text('{"test/recall": 0.5}')
    coll = collect_runs([tmp_path])
    assert "no .hydra/config.yaml" in coll.skipped[0].reason


def test_hidden_and_bookkeeping_folders_are_not_searched(tmp_path: Path):
    make_run(tmp_path, "run", "swa", "model_transfer", metrics=test_metrics(0.5))
    make_run(tmp_path / ".venv", "lib", "yor", "model_transfer", metrics=test_metrics(0.5))
    make_run(tmp_path / "run" / "wandb", "offline", "hau", "model_transfer", metrics=test_metrics(0.5))
    coll = collect_runs([tmp_path])
    assert [r.lang for r in coll.runs] == ["swa"] and coll.skipped == []


def test_by_config_key_tells_methods_apart(tmp_path: Path):
    import yaml

    for name, model in (("small", "nllb-600M"), ("large", "nllb-3.3B")):
        run = make_run(tmp_path, name, "swa", "translate_test", "heuristic", "simalign", metrics=test_metrics(0.5))
        cfg = yaml.safe_load((run / ".hydra" / "config.yaml").read_text())
        cfg["translator"] = {"model": model}
        (run / ".hydra" / "config.yaml").write_text(yaml.safe_dump(cfg))
    assert len(collect_runs([tmp_path]).runs) == 1  # the same method: the newest is kept
    labels = sorted(r.method.label for r in collect_runs([tmp_path], by=["translator.model"]).runs)
    assert labels == [
        "heuristic/simalign [translator.model=nllb-3.3B]",
        "heuristic/simalign [translator.model=nllb-600M]",
    ]
    assert all(r.method.reference_key().extra == "" for r in collect_runs([tmp_path], by=["translator.model"]).runs)


def test_unreadable_metrics_file_is_skipped_with_the_reason(tmp_path: Path, monkeypatch):
    make_run(tmp_path, "r", "swa", "model_transfer", metrics=test_metrics(0.5))
    real = Path.read_text

    def deny(self, *args, **kwargs):
        if self.name == "metrics.json":
            raise PermissionError(13, "Permission denied")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", deny)
    coll = collect_runs([tmp_path])
    assert coll.runs == []
    assert coll.skipped[0].reason == "metrics.json cannot be read (Permission denied)"
