"""The ``pytest`` check: a fast subset of the unit tests under the device's library versions."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from gpucheck.core import REPO, Ctx, Skip, check, log


@check("pytest")
def check_pytest(ctx: Ctx) -> dict:
    if not ctx.args.pytest:
        raise Skip("--no-pytest")
    targets = ["tests/evaluate", "tests/data/test_tags.py", "tests/align/test_extract.py",
               "tests/align/test_symmetrize.py", "tests/align/test_aer.py", "tests/project/test_matching.py",
               "tests/project/test_heuristic.py", "tests/project/test_candidates_scores.py",
               "tests/translate/test_words.py", "tests/ner/test_encoding.py"]
    targets = [t for t in targets if (REPO / t).exists()]
    env = {**os.environ, "XNER_DATA": str(ctx.data), "XNER_HOME": str(ctx.work / "pytest_home")}
    cmd = [sys.executable, "-m", "pytest", "-x", "-p", "no:cacheprovider", "-m", "not slow", *targets]
    log("$ " + " ".join(cmd[1:]))
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=ctx.args.pytest_timeout)
    (ctx.out / "runs").mkdir(exist_ok=True)
    (ctx.out / "runs" / "pytest.log").write_text(proc.stdout + proc.stderr)
    found = [ln.strip("= ") for ln in proc.stdout.splitlines() if re.search(r"\d+ (passed|failed|error)", ln)]
    summary = found[-1] if found else (proc.stdout.strip().splitlines() or [""])[-1]
    ctx.fig("pytest/summary", summary)
    if proc.returncode != 0:
        return {"status": "failed", "error": (proc.stdout + proc.stderr)[-2500:], "summary": summary}
    return {"summary": summary}
