"""`aligner=eflomal`: the eflomal statistical aligner (PyPI `eflomal`), symmetrised.

eflomal learns from the corpus it aligns, so it aligns all pairs of a call together, optionally
with extra parallel text appended (`extra_parallel`) to learn from — links are returned only for the
caller's pairs. It is a Gibbs sampler without a seed option: two runs differ slightly (on de-en
Vilar, AER varies by a few tenths). Words are lowercased by eflomal itself.

`extra_parallel` takes, relative to `data_dir` unless absolute:
- ``{src: path, tgt: path}``: line-aligned text files (raw text is split off punctuation when
  `tokenize_extra` is true, as the evaluation sets are tokenised);
- ``{src: path, tgt: path, format: conll}``: two sentence-aligned CoNLL files (e.g. Europarl-NER);
- ``{bitext: path}`` or a plain path string: ``src ||| tgt`` lines;
- a list of these. Orientation must match the pairs being aligned (source first).
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from xner.align.base import check_pair_counts
from xner.align.symmetrize import SYMMETRIZATIONS, symmetrize
from xner.data.tokenized import read_lines, split_tokens
from xner.data.types import Links
from xner.errors import ConfigError, DataFormatError

log = logging.getLogger(__name__)
_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")


def simple_tokenize(line: str) -> list[str]:
    """Words and punctuation marks (``"Hello, world!"`` → ``Hello , world !``)."""
    return _TOKEN.findall(line)


def parse_pharaoh(line: str, where: str) -> set[tuple[int, int]]:
    out = set()
    for tok in line.split():
        i, sep, j = tok.partition("-")
        if not sep or not i.isdigit() or not j.isdigit():
            raise DataFormatError(f"{where}: link {tok!r} is not 'i-j'")
        out.add((int(i), int(j)))
    return out


class Eflomal:
    """eflomal + symmetrisation; see the module docstring for `extra_parallel`."""

    corpus_level = True  # quality depends on aligning the whole corpus in one call

    def __init__(
        self,
        symmetrization: str = "grow-diag-final-and",
        model: int = 3,
        n_samplers: int = 3,
        rel_iterations: float = 1.0,
        null_prior: float = 0.2,
        extra_parallel: Mapping[str, Any] | Sequence[Any] | str | None = None,
        extra_limit: int | None = None,
        tokenize_extra: bool = True,
        data_dir: str | None = None,
    ):
        if symmetrization not in SYMMETRIZATIONS:
            raise ConfigError(f"aligner.symmetrization={symmetrization!r} is not valid; choose one of "
                              f"{', '.join(SYMMETRIZATIONS)}")
        if model not in (1, 2, 3):
            raise ConfigError(f"aligner.model={model} is not valid; choose 1 (IBM1), 2 (HMM) or 3 (HMM+fertility)")
        if extra_limit is not None and extra_limit < 1:
            raise ConfigError(f"aligner.extra_limit must be ≥ 1 or null, got {extra_limit}")
        try:
            import eflomal  # noqa: F401
        except ImportError:
            raise ConfigError("aligner=eflomal needs the eflomal package: pip install 'xner[eflomal]'") from None
        self.symmetrization = symmetrization
        self.model = model
        self.n_samplers = n_samplers
        self.rel_iterations = rel_iterations
        self.null_prior = null_prior
        self.extra_limit = extra_limit
        self.tokenize_extra = tokenize_extra
        self.data_dir = data_dir
        self.extra_specs = _as_specs(extra_parallel)
        self._extra: tuple[list[list[str]], list[list[str]]] | None = None
        self.last_timing: dict[str, float] = {}

    # -- extra parallel text -----------------------------------------------------------------------
    def _path(self, value: str) -> Path:
        path = Path(str(value)).expanduser()
        if not path.is_absolute():
            from xner.data.loaders import resolve_data_dir

            path = resolve_data_dir(self.data_dir) / path
        return path

    def extra(self) -> tuple[list[list[str]], list[list[str]]]:
        """The extra parallel sentences (loaded once)."""
        if self._extra is None:
            src: list[list[str]] = []
            tgt: list[list[str]] = []
            for spec in self.extra_specs:
                s, t = self._read_spec(spec)
                src.extend(s)
                tgt.extend(t)
            if self.extra_limit is not None:
                src, tgt = src[: self.extra_limit], tgt[: self.extra_limit]
            if self.extra_specs:
                log.info("eflomal: %d extra parallel sentence pairs", len(src))
            self._extra = (src, tgt)
        return self._extra

    def _read_spec(self, spec: Mapping[str, Any]) -> tuple[list[list[str]], list[list[str]]]:
        fmt = spec.get("format", "text")
        if "bitext" in spec:
            from xner.data.alignment_gold import read_bitext

            s, t = read_bitext(self._path(spec["bitext"]))
            return [list(x) for x in s], [list(x) for x in t]
        if "src" not in spec or "tgt" not in spec:
            raise ConfigError(f"aligner.extra_parallel entry {dict(spec)} needs src and tgt (or bitext)")
        sp, tp = self._path(spec["src"]), self._path(spec["tgt"])
        if fmt == "conll":
            from xner.data.conll import read_conll

            s = [list(x.words) for x in read_conll(sp)]
            t = [list(x.words) for x in read_conll(tp)]
        elif fmt == "text":
            split = simple_tokenize if self.tokenize_extra else (lambda line: list(split_tokens(line)))
            s = [split(line) for line in read_lines(sp)]
            t = [split(line) for line in read_lines(tp)]
        else:
            raise ConfigError(f"aligner.extra_parallel format={fmt!r} is not valid; choose text or conll")
        if len(s) != len(t):
            unit = "sentences" if fmt == "conll" else "lines"
            raise DataFormatError(f"aligner.extra_parallel: {sp} has {len(s)} {unit} but {tp} has {len(t)}")
        return s, t

    # -- aligner API -------------------------------------------------------------------------------
    def cache_config(self) -> dict[str, Any]:
        src, tgt = self.extra()
        h = hashlib.sha256()
        for s, t in zip(src, tgt, strict=True):
            h.update((" ".join(s) + "\t" + " ".join(t) + "\n").encode())
        return {"aligner": "eflomal", "symmetrization": self.symmetrization, "model": self.model,
                "n_samplers": self.n_samplers, "rel_iterations": self.rel_iterations,
                "null_prior": self.null_prior, "extra": h.hexdigest() if src else None}

    def load(self) -> Eflomal:
        self.extra()
        return self

    def close(self) -> None:
        self._extra = None

    def align(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> list[Links]:
        import eflomal

        check_pair_counts(src, tgt)
        extra_src, extra_tgt = self.extra()
        live = [k for k in range(len(src)) if len(src[k]) and len(tgt[k])]
        out: list[Links] = [frozenset()] * len(src)
        if not live:
            return out
        src_lines = [" ".join(src[k]) for k in live] + [" ".join(s) for s in extra_src]
        tgt_lines = [" ".join(tgt[k]) for k in live] + [" ".join(t) for t in extra_tgt]
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="xner-eflomal-") as tmp:
            fwd_path, rev_path = Path(tmp) / "fwd", Path(tmp) / "rev"
            aligner = eflomal.Aligner(model=self.model, n_samplers=self.n_samplers,
                                      rel_iterations=self.rel_iterations, null_prior=self.null_prior)
            aligner.align(src_lines, tgt_lines, links_filename_fwd=str(fwd_path),
                          links_filename_rev=str(rev_path), quiet=True)
            fwd = fwd_path.read_text().splitlines()
            rev = rev_path.read_text().splitlines()
        if len(fwd) != len(src_lines) or len(rev) != len(src_lines):
            raise RuntimeError(f"eflomal wrote {len(fwd)}/{len(rev)} link lines for {len(src_lines)} pairs")
        for n, k in enumerate(live):
            f = parse_pharaoh(fwd[n], f"eflomal forward links:{n + 1}")
            r = parse_pharaoh(rev[n], f"eflomal reverse links:{n + 1}")
            out[k] = symmetrize(frozenset(f), frozenset(r), len(src[k]), len(tgt[k]), self.symmetrization)
        self.last_timing = {"align_s": time.perf_counter() - started, "pairs": float(len(src)),
                            "extra_pairs": float(len(extra_src))}
        return out


def _as_specs(value: Any) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if isinstance(value, str):
        return [{"bitext": value}]
    if isinstance(value, Mapping):
        return [dict(value)]
    if isinstance(value, Sequence):
        out = []
        for item in value:
            out.extend(_as_specs(item))
        return out
    raise ConfigError(f"aligner.extra_parallel={value!r}: expected a path, a {{src, tgt}} mapping or a list")
