import random

import numpy as np
import pytest
import torch
from seqeval.metrics import f1_score

from xner.data.types import Sentence
from xner.errors import DataFormatError, XnerError
from xner.ner.config import ModelSpec, TrainerSpec
from xner.ner.data import Collator, LengthGroupedSampler, encode_sentences
from xner.ner.encoding import IGNORE, label_list
from xner.ner.module import TokenClassifier
from xner.ner.tagger import SourceTagger
from xner.ner.train import fine_tune, load_tokenizer

LABELS = label_list({"PER", "LOC"})
NAMES, CITIES = ["Anna", "Peter", "Maria"], ["Paris", "Berlin", "Rom"]


def toy(n, seed):
    rng = random.Random(seed)
    return [
        Sentence(
            ("Heute", "fährt", rng.choice(NAMES), "nach", rng.choice(CITIES), "."),
            ("O", "O", "B-PER", "O", "B-LOC", "O"),
            id=f"toy-{seed}-{i}",
            origin=f"toy:{i + 1}",
        )
        for i in range(n)
    ]


def test_encode_labels_first_subword_and_windows():
    tok = load_tokenizer("tiny:0")
    label2id = {lab: i for i, lab in enumerate(LABELS)}
    sent = Sentence(("Straßburg", "Anna") * 20, ("B-LOC", "B-PER") * 20, id="s")
    enc = encode_sentences(tok, [sent, Sentence((), (), id="e")], label2id, max_length=16)
    assert enc.stats.empty_sentences == 1 and enc.stats.split_sentences == 1
    assert len(enc) > 1 and all(len(ids) <= 16 for ids in enc.input_ids)
    # every word's label appears exactly once, in order, across the windows
    flat = [lab for labels in enc.labels for lab in labels if lab != IGNORE]
    assert flat == [label2id[t] for t in sent.tags]
    assert all(labels[0] == IGNORE and labels[-1] == IGNORE for labels in enc.labels)  # [CLS] … [SEP]


def test_encode_unknown_tag_names_origin():
    tok = load_tokenizer("tiny:0")
    with pytest.raises(DataFormatError, match=r"toy:1.*'B-ORG'"):
        encode_sentences(tok, [Sentence(("a",), ("B-ORG",), origin="toy:1")], {"O": 0}, 16)


def test_collator_pads_ids_and_labels():
    items = [{"input_ids": [1, 2, 3], "labels": [IGNORE, 4, IGNORE]}, {"input_ids": [5], "labels": [1]}]
    batch = Collator(pad_id=7)(items)
    assert batch["input_ids"].tolist() == [[1, 2, 3], [5, 7, 7]]
    assert batch["labels"].tolist() == [[IGNORE, 4, IGNORE], [1, IGNORE, IGNORE]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_length_grouped_sampler_is_a_seeded_permutation_grouping_lengths():
    lengths = [random.Random(3).randint(1, 100) for _ in range(200)]
    s = LengthGroupedSampler(lengths, batch_size=4, seed=1, mega=5)
    first, second = list(s), list(s)
    assert sorted(first) == list(range(200)) and first != second  # new order each epoch
    assert list(LengthGroupedSampler(lengths, 4, seed=1, mega=5)) == first  # seeded
    # within each mega-batch (20 items) lengths are sorted (descending)
    for g in range(0, 200, 20):
        block = [lengths[i] for i in first[g : g + 20]]
        assert block == sorted(block, reverse=True)
    assert lengths[first[0]] == max(lengths)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit")
    spec = TrainerSpec(max_epochs=3, batch_size=8, enable_progress_bar=False, early_stopping_patience=0)
    result = fine_tune(
        ModelSpec(name="tiny:0", learning_rate=5e-3, warmup_ratio=0.0, max_length=32),
        spec, LABELS, toy(48, 1), toy(16, 2), output_dir=out, seed=3,
    )
    return result, out


def test_fit_learns_the_toy_task_and_keeps_best_checkpoint(fitted):
    result, out = fitted
    assert result.best_checkpoint and (out / "checkpoints" / "best.ckpt").exists()
    assert result.metrics["train/steps"] == 18  # 48 sentences / 8 × 3 epochs
    assert result.metrics["train/best_val_f1"] > 0.9
    tagger = SourceTagger.from_model(result.model, result.tokenizer)
    test = toy(10, 9)
    # Entity F1 rather than an exact match: one tie flipped by float summation order (seen once in a
    # full-suite run) must not fail the test; an untrained model (all O) scores 0.
    predicted = tagger.predict_tags([s.words for s in test])
    assert f1_score([list(s.tags) for s in test], predicted) >= 0.9


def test_loss_decreases():
    torch.manual_seed(0)
    tok = load_tokenizer("tiny:0")
    module = TokenClassifier("tiny:0", LABELS, learning_rate=5e-3)
    enc = encode_sentences(tok, toy(16, 4), {lab: i for i, lab in enumerate(LABELS)}, 32)
    batch = Collator(tok.pad_token_id)([enc[i] for i in range(len(enc))])
    opt = torch.optim.AdamW(module.parameters(), lr=5e-3)
    losses = []
    for _ in range(15):
        loss = module.model(**batch).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_checkpoint_reloads_to_identical_predictions(fitted):
    result, out = fitted
    reloaded = TokenClassifier.load_from_checkpoint(out / "checkpoints" / "best.ckpt", map_location="cpu")
    words = [s.words for s in toy(6, 11)] + [("Unbekannt", "Wort")]
    a = SourceTagger.from_model(result.model, result.tokenizer).predict_proba(words)
    b = SourceTagger.from_model(reloaded.model.eval(), result.tokenizer).predict_proba(words)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_slim_checkpoint_of_a_partly_frozen_model_reloads_identically(tmp_path):
    spec = TrainerSpec(max_epochs=1, batch_size=8, enable_progress_bar=False)
    model = ModelSpec(name="tiny:0", learning_rate=5e-3, max_length=32, freeze_embeddings=True, freeze_layers=1)
    r = fine_tune(model, spec, LABELS, toy(16, 1), toy(8, 2), output_dir=tmp_path, seed=2)
    state = torch.load(r.best_checkpoint, map_location="cpu", weights_only=False)["state_dict"]
    assert not any("embeddings" in k or "layer.0." in k for k in state)  # frozen weights left out
    assert any("layer.1." in k for k in state)
    reloaded = TokenClassifier.load_from_checkpoint(r.best_checkpoint, map_location="cpu")
    words = [s.words for s in toy(5, 3)]
    a = SourceTagger.from_model(r.model, r.tokenizer).predict_proba(words)
    b = SourceTagger.from_model(reloaded.model.eval(), r.tokenizer).predict_proba(words)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_saved_model_is_a_tagger(fitted, tmp_path):
    from xner.ner.train import save_model

    result, _ = fitted
    path = save_model(result, tmp_path / "model")
    words = [s.words for s in toy(4, 12)]
    with SourceTagger(str(path), device="cpu") as t:
        assert t.predict(words) == SourceTagger.from_model(result.model, result.tokenizer).predict(words)


def test_training_is_deterministic(tmp_path):
    def run(d):
        spec = TrainerSpec(max_epochs=1, batch_size=8, enable_progress_bar=False)
        r = fine_tune(ModelSpec(name="tiny:0", learning_rate=5e-3, max_length=32), spec, LABELS,
                      toy(24, 5), toy(8, 6), output_dir=tmp_path / d, seed=7)
        return SourceTagger.from_model(r.model, r.tokenizer).predict_proba([s.words for s in toy(4, 8)])

    for x, y in zip(run("a"), run("b"), strict=True):
        np.testing.assert_array_equal(x, y)


def test_empty_training_set_fails_before_training(tmp_path):
    with pytest.raises(XnerError, match="empty"):
        fine_tune(ModelSpec(name="tiny:0"), TrainerSpec(), LABELS, [], output_dir=tmp_path)


def test_no_dev_set_uses_last_model(tmp_path):
    spec = TrainerSpec(max_epochs=1, batch_size=8, enable_progress_bar=False)
    r = fine_tune(ModelSpec(name="tiny:0", max_length=32), spec, LABELS, toy(16, 1), [], output_dir=tmp_path)
    assert r.best_checkpoint is None and r.metrics["train/steps"] == 2


class _Killed(Exception):
    """Stands in for SIGKILL (the fault suite kills real jobs; here the fit must stop mid-epoch)."""


def test_killed_fit_resumes_from_its_last_epoch_to_the_identical_model(tmp_path, monkeypatch, caplog):
    # Dropout is on (BERT's 0.1), so only a resume that restores the generators' states can match.
    spec = TrainerSpec(max_epochs=3, batch_size=8, enable_progress_bar=False, early_stopping_patience=0)
    model = ModelSpec(name="tiny:0", learning_rate=5e-3, warmup_ratio=0.2, max_length=32)
    data = (model, spec, LABELS, toy(24, 5), toy(8, 6))
    words = [s.words for s in toy(6, 8)] + [("Unbekannt", "Wort")]

    def proba(result):
        return SourceTagger.from_model(result.model, result.tokenizer).predict_proba(words)

    reference = fine_tune(*data, output_dir=tmp_path / "ref", seed=7, state_dir=tmp_path / "ref-state")
    real_step, steps = TokenClassifier.training_step, []

    def dies_in_step_5(self, *args, **kwargs):  # 3 steps per epoch: the 2nd step of epoch 2
        steps.append(1)
        if len(steps) == 5:
            raise _Killed
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(TokenClassifier, "training_step", dies_in_step_5)
    with pytest.raises(_Killed):
        fine_tune(*data, output_dir=tmp_path / "run1", seed=7, state_dir=tmp_path / "state")
    assert (tmp_path / "state" / "last.ckpt").exists() and not (tmp_path / "state" / "finished.json").exists()
    monkeypatch.setattr(TokenClassifier, "training_step", real_step)
    with caplog.at_level("INFO", logger="xner.ner.train"):
        resumed = fine_tune(*data, output_dir=tmp_path / "run2", seed=7, state_dir=tmp_path / "state")
    assert "(after epoch 1)" in caplog.text
    assert resumed.metrics["train/steps"] == reference.metrics["train/steps"] == 9
    assert resumed.metrics["train/best_val_f1"] == reference.metrics["train/best_val_f1"]
    for x, y in zip(proba(resumed), proba(reference), strict=True):
        np.testing.assert_array_equal(x, y)

    # killed after the fit (while evaluating, say): the rerun reuses the finished fit
    caplog.clear()
    with caplog.at_level("INFO", logger="xner.ner.train"):
        again = fine_tune(*data, output_dir=tmp_path / "run3", seed=7, state_dir=tmp_path / "state")
    assert "training already finished" in caplog.text
    for x, y in zip(proba(again), proba(reference), strict=True):
        np.testing.assert_array_equal(x, y)


def test_checkpoints_are_renamed_into_place(tmp_path):
    from xner.ner.train import AtomicCheckpointIO

    io = AtomicCheckpointIO()
    io.save_checkpoint({"epoch": 1, "w": torch.ones(3)}, tmp_path / "last.ckpt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt"]  # no temporary left behind
    assert torch.load(tmp_path / "last.ckpt", weights_only=False)["epoch"] == 1
