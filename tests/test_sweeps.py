"""Paper sweep configs, launchers, sweep progress and resume, and the dashboard on a real sweep."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from xner.dashboard.methods import method_of
from xner.pipeline.callbacks import count_jobs, eta_seconds, format_duration

REPO = Path(__file__).resolve().parents[1]
CONF = REPO / "conf"
METHODS = sorted(p.stem for p in (CONF / "experiment" / "paper_method").glob("*.yaml"))
PAPER = {"paper_masakhaner": 18, "paper_xtreme": 39}


def _compose(overrides: list[str]):
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF)):
        return compose("config", overrides=overrides, return_hydra_config=True)


def _needs_groups(*paths: str) -> None:
    missing = [p for p in paths if not (CONF / f"{p}.yaml").is_file()]
    if missing:
        pytest.skip(f"config option files not written yet: {', '.join(missing)}")


# -- progress arithmetic -----------------------------------------------------------------------
def test_format_duration():
    assert [format_duration(x) for x in (None, -1, 0, 59.4, 61, 3599, 3600 * 3 + 7 * 60 + 5)] == [
        "?",
        "?",
        "0s",
        "59s",
        "1m01s",
        "59m59s",
        "3h07m",
    ]


def test_eta_counts_parallel_wall_time_and_ignores_resumed_jobs():
    assert eta_seconds(100.0, 4, 4, 10) == pytest.approx(150.0)  # 25 s per job, 6 left
    assert eta_seconds(100.0, 6, 2, 10) == pytest.approx(200.0)  # 4 resumed jobs cost nothing
    assert eta_seconds(10.0, 3, 0, 10) is None
    assert eta_seconds(10.0, 3, 3, None) is None


def test_count_jobs_is_the_cartesian_product_with_command_line_precedence():
    params = {"lang": "swa,yor,hau", "+experiment/paper_method": "a,b"}
    assert count_jobs(params, []) == 6
    assert count_jobs(params, ["lang=swa", "seed=1,2"]) == 4  # command line replaces lang
    assert count_jobs({}, ["lang=glob(*)"]) is None


# -- paper experiment configs ------------------------------------------------------------------
def test_there_are_21_paper_methods():
    assert len(METHODS) == 21
    assert "model_transfer" in METHODS
    swept = OmegaConf.load(CONF / "experiment" / "paper_common.yaml").hydra.sweeper.params
    assert sorted(m.strip() for m in swept["+experiment/paper_method"].split(",")) == METHODS


@pytest.mark.parametrize("method", METHODS)
def test_each_paper_method_composes_with_its_label_as_wandb_tag(method: str):
    spec = OmegaConf.load(CONF / "experiment" / "paper_method" / f"{method}.yaml")
    _needs_groups(*[f"{k.split('/')[-1].strip()}/{v}" for d in spec.defaults for k, v in d.items() if v is not None])
    experiment, lang = (("paper_masakhaner", "yor"), ("paper_xtreme", "sw"))[METHODS.index(method) % 2]
    if True:
        cfg = _compose([f"experiment={experiment}", f"+experiment/paper_method={method}", f"lang={lang}"])
        choices = {k: v for k, v in cfg.hydra.runtime.choices.items() if v is not None}
        m = method_of(OmegaConf.to_container(cfg, resolve=False), choices)
        assert cfg.logger.tags == [f"method:{m.label}"]
        assert m.backtranslation == method.endswith("_bt")
        assert dict(cfg.tagger.label_map) == {"MISC": None}  # scored over PER/ORG/LOC like the seed
        assert dict(cfg.data.label_map) == ({"DATE": None} if experiment == "paper_masakhaner" else {})
        if method == "model_transfer":
            assert cfg.task.name == "model_transfer" and "aligner" not in cfg
            assert cfg.task.pretrained == cfg.tagger.model
        else:
            assert cfg.task.name == "translate_test"
            assert choices["aligner"] in method and choices["projection"] in ("heuristic", "matching")
        from xner.pipeline.config import validate_config

        HydraConfig.instance().set_config(cfg)  # as inside a job: ${hydra:...} resolves
        try:
            validate_config(cfg, allow_missing=True)
            assert cfg.logger.name == f"{lang}/{method}"  # the W&B run name
        finally:
            HydraConfig.instance().cfg = None  # type: ignore[assignment]


@pytest.mark.parametrize(("experiment", "n_langs"), PAPER.items())
def test_paper_sweep_size_and_resumable_layout(experiment: str, n_langs: int):
    cfg = _compose([f"experiment={experiment}", "+experiment/paper_method=ner_ilp_awesome_bt", "lang=yo"])
    params = OmegaConf.to_container(cfg.hydra.sweeper.params)
    assert count_jobs(params, []) == n_langs * 21
    assert next(iter(params)) == "+experiment/paper_method"  # method-major: shared stages cached first
    HydraConfig.instance().set_config(cfg)
    try:
        assert cfg.hydra.sweep.dir == f"multirun/{experiment}"
        assert cfg.hydra.sweep.subdir == "yo/ner_ilp_awesome_bt/"
    finally:
        HydraConfig.instance().cfg = None  # type: ignore[assignment]
    langs = params["lang"].split(",")
    assert len(langs) == len(set(langs)) == n_langs
    assert all((CONF / "lang" / f"{code}.yaml").is_file() for code in langs)


def test_launchers_compose_and_slurm_takes_resources_from_config(monkeypatch, tmp_path: Path):
    for name, target in (
        ("joblib", "JoblibLauncher"),
        ("submitit_local", "LocalLauncher"),
        ("submitit_slurm", "SlurmLauncher"),
        ("slurm", "SlurmLauncher"),
    ):
        cfg = _compose([f"hydra/launcher={name}"])
        assert cfg.hydra.launcher._target_.endswith(target)
    cfg = _compose(["hydra/launcher=slurm", "hydra.launcher.partition=gpu", "hydra.launcher.timeout_min=480"])
    # the sbatch script submitit would submit, built the way the Hydra launcher builds it
    import submitit
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf

    monkeypatch.setattr(submitit.SlurmExecutor, "affinity", classmethod(lambda cls: 1))
    params = OmegaConf.to_container(cfg.hydra.launcher, resolve=False)
    params.pop("_target_")
    params["submitit_folder"] = str(tmp_path / "%j")
    params["name"] = "xner"
    executor = submitit.AutoExecutor(
        folder=params.pop("submitit_folder"), cluster="slurm", slurm_max_num_timeout=params.pop("max_num_timeout")
    )
    base = set(OmegaConf.structured(BaseQueueConf).keys())
    executor.update_parameters(**{k if k in base else f"slurm_{k}": v for k, v in params.items()})
    script = executor._executor._make_submission_file_text("python -u run.py", "uid")
    for line in (
        "#SBATCH --partition=gpu",
        "#SBATCH --gpus-per-node=1",
        "#SBATCH --time=480",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH --mem=64GB",
    ):
        assert line in script


# -- real sweeps ---------------------------------------------------------------------------------
@pytest.fixture
def env(data_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XNER_DATA": str(data_dir),
        "XNER_HOME": str(tmp_path / "home"),
        "WANDB_MODE": "offline",
        "HYDRA_FULL_ERROR": "1",
    }


def _sweep(args: list[str], env: dict[str, str], timeout: int = 240) -> str:
    proc = subprocess.run(
        [sys.executable, "run.py", "-m", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    return out


def _wandb_run_record(path: Path):
    """The run record (group, tags, name) of an offline W&B run file: LevelDB-style log blocks of
    protobuf `Record`s after a 7-byte header."""
    import struct

    from wandb.proto import wandb_internal_pb2 as pb

    data, pos, pending = path.read_bytes(), 7, b""
    while pos + 7 <= len(data):
        if 32768 - pos % 32768 < 7:  # block trailer
            pos += 32768 - pos % 32768
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        chunk, pos = data[pos + 7 : pos + 7 + length], pos + 7 + length
        if kind == 0:
            break
        pending = chunk if kind in (1, 2) else pending + chunk
        if kind in (1, 4):
            record = pb.Record()
            record.ParseFromString(pending)
            if record.WhichOneof("record_type") == "run":
                return record.run
    raise AssertionError(f"no run record in {path}")


# The progress callback is on by default (conf/hydra/default.yaml); "++" keeps it explicit here.
PROGRESS = "++hydra.callbacks.progress._target_=xner.pipeline.callbacks.SweepProgress"


def test_paper_sweep_with_joblib_reports_progress_and_resumes(env, tmp_path: Path):
    """The paper experiment's own sweep (method axis, directory layout, progress callback) with the
    fast data_stats task standing in for the model-hub tasks."""
    sweep = tmp_path / "sweep"
    args = [
        "experiment=paper_masakhaner",
        "lang=swa",
        "+experiment/paper_method=model_transfer,ngram_ilp_awesome_bt",
        "task=data_stats",
        "data.limit=20",
        "logger=wandb",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep}",
    ]
    out = _sweep(args, env)
    assert f"sweep {sweep}: 2 jobs" in out
    assert "job 1/2 started" in out and "job 2/2 started" in out
    assert "2/2 done, ETA 0s" in out
    runs = sorted(p.parent for p in sweep.rglob("metrics.json"))
    assert [str(p.relative_to(sweep)) for p in runs] == [
        "swa/model_transfer/data.limit=20,task=data_stats",
        "swa/ngram_ilp_awesome_bt/data.limit=20,task=data_stats",
    ]
    assert json.loads((runs[0] / "metrics.json").read_text())["data/test/sentences"] == 20
    # W&B (offline): the sweep's runs share a group and carry language/method/aligner/matcher tags
    run = _wandb_run_record(next(runs[1].glob("wandb/offline-run-*/run-*.wandb")))
    assert run.run_group == "sweep" and run.display_name == "swa/ngram_ilp_awesome_bt"
    assert {"method:ngram-ilp/awesome+bt", "lang:swa", "aligner:awesome", "matcher:ilp"} <= set(run.tags)
    before = {p: (p / "metrics.json").stat().st_mtime_ns for p in runs}
    args = [a for a in args if "launcher" not in a]  # the same sweep again (in-process launcher): resumes
    out = _sweep(args, env)
    assert out.count("already finished, will be skipped") == 2
    assert "(2 already finished before, 0 failed)" in out
    assert before == {p: (p / "metrics.json").stat().st_mtime_ns for p in runs}


def test_submitit_local_sweep(env, tmp_path: Path):
    sweep = tmp_path / "sweep"
    out = _sweep(
        [
            "task=data_stats",
            "lang=hau,sw",
            "data.limit=10",
            "logger=none",
            "hydra/launcher=submitit_local",
            "hydra.launcher.timeout_min=5",
            f"hydra.sweep.dir={sweep}",
            PROGRESS,
            "+hydra.callbacks.progress.poll_s=0.2",
        ],
        env,
    )
    assert "sweep" in out and "2 jobs" in out
    assert re.search(r"[12]/2 jobs done \(0 failed\), ETA", out)  # the launching process watches the jobs
    metrics = {p.parent.name: json.loads(p.read_text()) for p in sweep.rglob("metrics.json")}
    assert sorted(metrics) == ["data.limit=10,lang=hau,task=data_stats", "data.limit=10,lang=sw,task=data_stats"]
    assert all(m["data/test/sentences"] == 10 for m in metrics.values())
    assert list(sweep.glob(".submitit/*/*_log.out"))  # submitit ran the jobs as its own processes
    logs = "".join(p.read_text() for p in sweep.glob(".submitit/*/*_log.*"))
    assert "/2 started" in logs
    # the dashboard reads these runs too, for any metric key
    from xner.dashboard.cli import build, parse_args

    html, used, skipped = build(parse_args([str(sweep), "--metric", "data/test/sentences", "--no-reference"]))
    assert (used, skipped) == (2, 0)
    assert 'data-lang="hau" data-value="10"' in html and 'data-lang="sw" data-value="10"' in html


@pytest.mark.slow
def test_offline_paper_sweep_feeds_the_dashboard(env, data_dir: Path, tmp_path: Path):
    """The paper experiment's own method files, run for real offline: translate-test on Europarl-NER
    German with its human English side as the translation, gold English entities as the tagger and
    the offline encoder, three methods, the joblib launcher → dashboard (with the seed's published
    Europarl figures as reference rows) → headless browser. The alignment stage is shared: computed
    by the first job, read from the artifact cache by the others."""
    exe = shutil.which("chromium")
    sweep = tmp_path / "sweep"
    models = Path(os.environ.get("XNER_HOME") or Path.home() / ".cache" / "xner") / "models"
    if models.is_dir():  # reuse the offline encoder built once on this machine; stage outputs stay fresh
        Path(env["XNER_HOME"]).mkdir(parents=True, exist_ok=True)
        (Path(env["XNER_HOME"]) / "models").symlink_to(models)
    offline = [
        "lang=de",
        "data=europarl_ner",
        "data.limit=8",
        "translator=parallel",
        "~translator.model",
        "~tagger",
        "+tagger._target_=tests.dashboard.dashboard_runs.GoldTagger",
        "~tagger.label_map",
        f"+tagger.path={data_dir / 'europarl_ner' / 'en-europarl.test.conll02'}",
        "aligner.encoder=offline:multilingual-e5-small",
        "aligner.progress=false",
    ]
    out = _sweep(
        [
            "experiment=paper_xtreme",
            "+experiment/paper_method=heuristic_simalign,ngram_greedy_simalign,ngram_ilp_simalign",
            *offline,
            "logger=none",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=1",
            f"hydra.sweep.dir={sweep}",
        ],
        env,
        timeout=400,
    )
    assert out.count("xner.pipeline.stages][INFO] - aligning ") == 1
    recalls = {
        p.relative_to(sweep).parts[1]: json.loads(p.read_text())["test/recall"] for p in sweep.rglob("metrics.json")
    }
    assert sorted(recalls) == ["heuristic_simalign", "ngram_greedy_simalign", "ngram_ilp_simalign"]
    report = tmp_path / "report.html"
    from xner.dashboard.cli import main

    assert main([str(sweep), "-o", str(report), "--data-dir", str(data_dir)]) == 0
    if exe is None:
        pytest.skip("report written; checking it in a browser needs Debian's chromium")
    import importlib.util

    spec = importlib.util.spec_from_file_location("dashboard_runs", REPO / "tests/dashboard/dashboard_runs.py")
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)

    page = helpers.parse_dom(helpers.chromium_run(exe, report.as_uri(), tmp_path / "profile", "--dump-dom"))
    assert page.texts["summary"].startswith("3 runs · 3 methods · 1 languages · 0 skipped")
    labels = {
        "heuristic_simalign": "heuristic/simalign",
        "ngram_greedy_simalign": "ngram-greedy/simalign",
        "ngram_ilp_simalign": "ngram-ilp/simalign",
    }
    for method, recall in recalls.items():
        assert page.find("main", "recall", labels[method], "de/europarl_ner") == f"{100 * recall:.1f}"
    # the seed's published Europarl-NER German figures (translate-test, SimAlign) as reference rows
    from xner.dashboard.methods import Method
    from xner.dashboard.reference import load_reference

    ref, _ = load_reference(data_dir)
    for method in ("heuristic_simalign", "ngram_greedy_simalign"):
        key = (
            Method("translate_test", "heuristic", "simalign")
            if method.startswith("heuristic")
            else Method("translate_test", "matching", "simalign", "", "ngram", "greedy")
        )
        published = ref[("europarl_ner", "de", key)]["recall"]
        assert (
            page.find("main", "recall", labels[method], "de/europarl_ner", row_class="ref") == f"{100 * published:.1f}"
        )


def test_a_failing_job_does_not_stop_the_sweep(env, tmp_path: Path):
    sweep = tmp_path / "sweep"
    proc = subprocess.run(
        [
            sys.executable,
            "run.py",
            "-m",
            "task=data_stats",
            "lang=hau",
            "data.limit=0,5",
            "logger=none",
            f"hydra.sweep.dir={sweep}",
            PROGRESS,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0  # Hydra reports the failed job at the end
    assert "job 1/2 failed" in out and "job 2/2 finished" in out
    assert "data.limit" in out  # the user error names the key
    assert [p.parent.name for p in sweep.rglob("metrics.json")] == ["data.limit=5,lang=hau,task=data_stats"]
