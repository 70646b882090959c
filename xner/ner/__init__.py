"""NER models: the source tagger and Lightning fine-tuning (the training tasks' flow — data
selection, dev split, label policy, evaluation — is `xner.pipeline.training`).

- `xner.ner.tagger.SourceTagger` — word-level inference with any token-classification model
  (``conf/tagger/``), spans with probabilities, scores for arbitrary candidate spans.
- `xner.ner.config` — `ModelSpec` / `TrainerSpec`, what ``conf/model/`` and ``conf/trainer/`` build.
- `xner.ner.module.TokenClassifier` (LightningModule), `xner.ner.data.NerDataModule`,
  `xner.ner.train.fine_tune` (Trainer + checkpoint / early-stopping / LR-monitor callbacks).
- `xner.ner.encoding` — pure helpers (first-subword labels, windows, label policy, span probability).
"""
