"""Translation: word lists in, word lists out; batched, cached per sentence, resumable.

- `seq2seq`: NLLB-200, M2M100 and OPUS-MT (Marian) translators (transformers or CTranslate2
  backend), translation-probability scores for fused matching.
- `files`: `precomputed` (translations from a file) and `parallel` (human translations).
- `words`: detokenising word lists and splitting model output into words.
- `markers`: ``[ ]`` entity markers — insertion, robust reading, fuzzy labelling.
- `projection`: `projection=marker` (EasyProject) and the back-translation refinement inputs.
- `stage`: helpers the tasks use (open the configured translator, translate with an artifact, ...).
- `tiny`: tiny random models of the real architectures for tests and benchmarks.

Nothing heavy is imported here; import the submodules you need.
"""
