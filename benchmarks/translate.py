"""Translation throughput: naive per-sentence `generate` vs xner's batched path vs CTranslate2.

    python benchmarks/translate.py                       # tiny NLLB-architecture model built locally
    python benchmarks/translate.py --model /path/to/nllb-200-distilled-600M --device cuda

Inputs: the first N German sentences of Europarl-NER (``$XNER_DATA``), translated de→en. All three
paths use the same model and generation options; outputs are compared string for string. Conversion
to CTranslate2 happens once before timing (its time is reported separately). Prints a table, then
one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def load_sentences(n: int) -> list[list[str]]:
    data = Path(os.environ.get("XNER_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
    path = data / "europarl_ner" / "de-europarl.test.conll02"
    from xner.data.conll import read_conll

    return [list(s.words) for s in read_conll(path)[:n]]


def naive(model_dir: str, texts: list[str], beam: int, max_length: int, device: str) -> tuple[list[str], float]:
    """What a plain script does: one `generate` call per sentence."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir, src_lang="deu_Latn")
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir).to(device).eval()
    forced = tok.convert_tokens_to_ids("eng_Latn")
    out = []
    start = time.perf_counter()
    with torch.inference_mode():
        for text in texts:
            enc = tok(text, return_tensors="pt", truncation=True, max_length=max_length).to(device)
            ids = model.generate(**enc, forced_bos_token_id=forced, num_beams=beam, do_sample=False,
                                 max_new_tokens=max_length)
            out.append(tok.decode(ids[0], skip_special_tokens=True).strip())
    return out, time.perf_counter() - start


def xner_path(model: str, texts: list[str], beam: int, max_length: int, device: str, backend: str,
              batch_tokens: int, cache_root: Path) -> tuple[list[str], float, float]:
    from xner.cache import ArtifactCache
    from xner.translate.seq2seq import NLLBTranslator

    t = NLLBTranslator(model, backend=backend, beam_size=beam, max_length=max_length, batch_tokens=batch_tokens,
                       device=device, progress=False)
    start = time.perf_counter()
    t._load(t.model, ArtifactCache(cache_root))  # load (and for ctranslate2 convert once) before timing
    load = time.perf_counter() - start
    start = time.perf_counter()
    out = t.translate_texts(texts, "de", "en")  # no cache: every sentence is translated
    return out, time.perf_counter() - start, load


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="NLLB model dir/hub id (default: a tiny model built locally)")
    ap.add_argument("--sentences", type=int, default=200)
    ap.add_argument("--beams", default="1,4", help="beam sizes to run, comma-separated")
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--batch-tokens", type=int, default=4096)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--d-model", type=int, default=256, help="tiny model width")
    ap.add_argument("--layers", type=int, default=3, help="tiny model depth (encoder and decoder)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()

    import logging

    logging.basicConfig(level=logging.WARNING)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from xner.translate.words import detokenize

    work = Path(tempfile.mkdtemp(prefix="xner-bench-"))
    if args.model:
        from xner.translate.seq2seq import resolve_model

        model_dir = name = resolve_model(args.model)
        label = args.model
    else:
        from xner.translate.tiny import build_tiny_translator

        model_dir = name = str(build_tiny_translator("nllb", work / "models", seed=0, d_model=args.d_model,
                                                     layers=args.layers))
        label = f"tiny NLLB-architecture (random, d_model={args.d_model}, {args.layers}+{args.layers} layers)"
    texts = [detokenize(w) for w in load_sentences(args.sentences)]
    print(f"model: {label}; {len(texts)} Europarl-NER de sentences → en; device {args.device}; "
          f"max_length {args.max_length}; torch threads {torch.get_num_threads()}")
    print(f"{'beam':>4} | {'path':<28} | {'seconds':>8} | {'sent/s':>8} | {'speed-up':>8} | identical to naive")
    figures: dict[str, float | bool | str] = {"model": label, "sentences": len(texts)}
    for beam in [int(b) for b in args.beams.split(",")]:
        ref, t_naive = naive(model_dir, texts, beam, args.max_length, args.device)
        rows = [("naive per-sentence generate", t_naive, True)]
        batched, t_batched, _ = xner_path(name, texts, beam, args.max_length, args.device, "transformers",
                                          args.batch_tokens, work)
        rows.append(("xner batched (transformers)", t_batched, batched == ref))
        ct2, t_ct2, t_convert = xner_path(name, texts, beam, args.max_length, args.device, "ctranslate2",
                                          args.batch_tokens, work)
        rows.append(("xner ctranslate2", t_ct2, ct2 == ref))
        for label_, secs, same in rows:
            print(f"{beam:>4} | {label_:<28} | {secs:8.2f} | {len(texts) / secs:8.1f} | "
                  f"{t_naive / secs:7.2f}x | {same}")
        key = f"beam{beam}"
        figures.update({
            f"{key}/naive_sent_per_s": round(len(texts) / t_naive, 2),
            f"{key}/batched_sent_per_s": round(len(texts) / t_batched, 2),
            f"{key}/ct2_sent_per_s": round(len(texts) / t_ct2, 2),
            f"{key}/batched_speedup": round(t_naive / t_batched, 2),
            f"{key}/ct2_speedup": round(t_naive / t_ct2, 2),
            f"{key}/batched_identical": batched == ref,
            f"{key}/ct2_identical": ct2 == ref,
            f"{key}/ct2_identical_sentences": sum(a == b for a, b in zip(ct2, ref, strict=True)),
        })
    figures["ct2_convert_and_load_s"] = round(t_convert, 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
