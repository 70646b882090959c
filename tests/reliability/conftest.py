"""Fixtures of the reliability suite: a zygote that runs `run.py` jobs (with injected faults) in
forked child processes, and the small offline translate-train job every fault test runs."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

# The whole pipeline offline on 12 Europarl-NER sentences: tiny random NLLB (translation, cached per
# batch), SimAlign with the offline encoder (alignment, cached per chunk), n-gram matching
# (projection, cached as one entry), a tiny BERT trained 2 epochs (training), scored on 4 sentences.
TRANSLATE_TRAIN = [
    "task=translate_train", "data=europarl_ner", "lang=de", "task.source_data=null", "task.parallel_split=12",
    "data.limit=16", "translator=nllb", "translator.model=tiny-nllb:0", "translator.device=cpu",
    "translator.max_length=24", "translator.beam_size=1", "translator.batch_tokens=48", "translator.progress=false",
    "aligner=simalign", "aligner.encoder=offline:multilingual-e5-small", "aligner.progress=false",
    "projection=matching", "candidates=ngram", "matcher=greedy", "model=tiny", "model.max_length=32",
    "trainer=cpu", "trainer.max_epochs=2", "trainer.batch_size=4", "trainer.enable_progress_bar=false",
    "trainer.save_model=false", "print_metrics=false",
]
# Output files of that job that must be byte-identical between runs.
OUTPUTS = ("projected_train.conll", "predictions.conll")


@dataclass
class JobResult:
    code: int | None
    signal: int | None
    log: str

    @property
    def killed(self) -> bool:
        return self.signal == signal.SIGKILL


class Zygote:
    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "faultrun.py"), "--zygote"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=None, env=env, cwd=REPO, text=True, start_new_session=True,
        )
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)
        assert self._reply(300).get("ready")

    def _reply(self, timeout: float) -> dict:
        if not self.selector.select(timeout):
            self.close()
            raise TimeoutError(f"the job runner did not answer within {timeout} s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the job runner died (exit {self.proc.poll()})")
        return json.loads(line)

    def run(self, args: Sequence[str], log: Path, fault: str | None = None, settings: dict | None = None,
            timeout: float = 300) -> JobResult:
        request = {"args": list(args), "log": str(log), "fault": fault, "set": settings or {}}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = self._reply(timeout)
        return JobResult(reply["code"], reply["signal"], Path(log).read_text(errors="replace"))

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # the runner and any child it still has
            self.proc.wait(timeout=30)


def job_env(data_dir: Path, hash_seed: int) -> dict[str, str]:
    """The environment of every job; `hash_seed` fixes Python's string-hash order per process."""
    return {
        **os.environ,
        "XNER_DATA": str(data_dir),
        # one intra-op thread: on a shared 2-core machine, spinning OpenMP threads make tiny models
        # 100× slower; results are identical
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": str(REPO),
        "PYTHONHASHSEED": str(hash_seed),
    }


@pytest.fixture(scope="session")
def zygote(data_dir: Path) -> Iterator[Zygote]:
    runner = Zygote(job_env(data_dir, hash_seed=0))  # forked jobs share the zygote's hash order
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture(scope="session")
def reference_run(zygote: Zygote, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One uninterrupted translate-train job with its own fresh cache: the outputs to match."""
    root = tmp_path_factory.mktemp("reference")
    result = zygote.run(Job().args_for(root, "logger=none"), root / "job.log")
    assert result.code == 0, result.log[-3000:]
    return root / "run"


# Counts of work done in this process rather than results: a resumed run reuses instead of translating.
ACCOUNTING = {"translate/cached", "translate/translated", "translate/truncated"}


def _stable_metrics(run_dir: Path) -> dict:
    """metrics.json without wall-clock figures (seconds, throughput) and work accounting."""
    metrics = json.loads((run_dir / "metrics.json").read_text())
    return {k: v for k, v in metrics.items() if not any(t in k for t in ("seconds", "per_s")) and k not in ACCOUNTING}


@dataclass(frozen=True)
class Job:
    """The fault tests' job: its overrides, its byte-compared outputs, its comparable metrics."""

    args: tuple[str, ...] = tuple(TRANSLATE_TRAIN)
    outputs: tuple[str, ...] = OUTPUTS

    def args_for(self, tmp: Path, *extra: str) -> list[str]:
        return [*self.args, f"paths.cache_dir={tmp / 'cache'}", f"hydra.run.dir={tmp / 'run'}", *extra]

    @staticmethod
    def stable_metrics(run_dir: Path) -> dict:
        return _stable_metrics(run_dir)


@pytest.fixture(scope="session")
def job() -> Job:
    return Job()


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """In-process model work on one intra-op thread (see the zygote's OMP_NUM_THREADS); restored after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture(scope="session")
def e5_simalign() -> Iterator[object]:
    """SimAlign itermax with the offline encoder, loaded once for the in-process tests (batch of 8)."""
    from xner.align.neural import SimAlign

    aligner = SimAlign(encoder="offline:multilingual-e5-small", method="itermax", progress=False, batch_size=8)
    try:
        yield aligner.load()
    finally:
        aligner.close()


@pytest.fixture(scope="session")
def fresh_process(data_dir: Path):
    """Run one job in a new interpreter (not forked), with another string-hash order than the zygote's."""

    def run(args: Sequence[str], log: Path, timeout: float = 600) -> JobResult:
        with open(log, "w") as out:
            proc = subprocess.run([sys.executable, str(HERE / "faultrun.py"), *args], stdout=out,
                                  stderr=subprocess.STDOUT, env=job_env(data_dir, hash_seed=1), cwd=REPO,
                                  timeout=timeout)
        code = proc.returncode
        return JobResult(code if code >= 0 else None, -code if code < 0 else None, Path(log).read_text())

    return run
