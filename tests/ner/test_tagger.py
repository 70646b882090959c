import numpy as np
import pytest

from xner.data.types import Span
from xner.ner.tagger import SourceTagger

SENTS = [
    ["Das", "Parlament", "tagte", "in", "Straßburg", "."],
    [],
    ["Herr", "Schulz", "sagte", "nichts"] * 12,
    ["日本", "ok"],
]


@pytest.fixture(scope="module")
def tagger():
    with SourceTagger("tiny:0", batch_size=3, device="cpu", max_length=16) as t:
        yield t


def test_predict_shapes_and_types(tagger):
    spans = tagger.predict(SENTS)
    assert len(spans) == len(SENTS) and spans[1] == []
    for words, sent_spans in zip(SENTS, spans, strict=False):
        for sp in sent_spans:
            assert isinstance(sp, Span) and sp.end <= len(words)
            assert sp.label in {"PER", "ORG", "LOC", "MISC"}
    assert tagger.stats["windows_split"] >= 1  # the 48-word sentence exceeds the 16-subword window


def test_long_sentence_windows_equal_separate_prediction(tagger):
    # Windowed prediction of a long sentence == predicting its windows one by one.
    long = SENTS[2]
    whole = tagger.predict_proba([long])[0]
    assert whole.shape == (48, 9)
    np.testing.assert_allclose(whole.sum(-1), 1.0, rtol=1e-5)
    enc = tagger._tokenizer([long], is_split_into_words=True, add_special_tokens=False)
    counts = np.bincount([w for w in enc.word_ids(0) if w is not None], minlength=48)
    from xner.ner.encoding import split_windows

    parts = [tagger.predict_proba([long[a:b]])[0] for a, b in split_windows(counts.tolist(), 14)]
    np.testing.assert_allclose(whole, np.concatenate(parts), atol=1e-5)


def test_batching_does_not_change_predictions(tagger):
    one_by_one = [tagger.predict_with_scores([s])[0] for s in SENTS]
    batched = tagger.predict_with_scores(SENTS)
    assert [[s for s, _ in x] for x in batched] == [[s for s, _ in x] for x in one_by_one]
    for a, b in zip(batched, one_by_one, strict=False):
        assert [p for _, p in a] == pytest.approx([p for _, p in b], abs=1e-5)


def test_label_map_drops_and_renames(tagger):
    plain = tagger.predict(SENTS)
    mapped = SourceTagger.from_model(
        tagger._model, tagger._tokenizer, max_length=16, label_map={"MISC": None, "LOC": "GPE"}
    ).predict(SENTS)
    expect = [
        [Span(s.start, s.end, "GPE" if s.label == "LOC" else s.label) for s in sent if s.label != "MISC"]
        for sent in plain
    ]
    assert mapped == expect


def test_span_scores_in_unit_interval(tagger):
    scores = tagger.span_scores(SENTS[:1], [[Span(0, 2, "PER"), Span(4, 5, "LOC")]])
    assert len(scores[0]) == 2 and all(0.0 < s <= 1.0 for s in scores[0])


def test_missing_model_is_a_clear_error(tmp_path):
    from xner.errors import XnerError

    with pytest.raises((XnerError, OSError)):
        SourceTagger(str(tmp_path / "nope"), device="cpu").predict([["a"]])
