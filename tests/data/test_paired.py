"""SentAlignedConll and ParallelTranslator(sentence_align=true) on hand-made non-parallel files."""

from __future__ import annotations

from pathlib import Path

import pytest

from xner.data.paired import SentAlignedConll
from xner.errors import ConfigError, DataFormatError
from xner.translate.files import ParallelTranslator

# English: 12 sentences of different lengths with names and numbers (anchors). The "translation"
# keeps names and numbers and lengthens other words a little; sentence 5 was filtered out and
# sentence 8 split in two (a 1-2 bead), as in T-Projection's and DeepL's files.
EN = [
    ("Peter Blackburn", "B-PER I-PER"),
    ("EU rejects German call to boycott British lamb .", "B-ORG O B-MISC O O O B-MISC O O"),
    ("BRUSSELS 1996-08-22", "B-LOC O"),
    ("The European Commission said on Thursday it disagreed with German advice to consumers .",
     "O B-ORG I-ORG O O O O O O B-MISC O O O O"),
    ("Germany 's representative to the EU said 1996 .", "B-LOC O O O O B-ORG O O O"),
    ("Fischler proposed EU-wide measures after reports from Britain and France .",
     "B-PER O B-MISC O O O O B-LOC O B-LOC O"),
    ("Rabinovich is winding up his term as ambassador in 1997 .", "B-PER O O O O O O O O O O"),
    ("Israel 's outgoing peace negotiator with Syria said on Thursday talks should not resume .",
     "B-LOC O O O O O B-LOC O O O O O O O O"),
    ("The 1,200 delegates in Jerusalem met for 3 days and then the 400 members of Hamas left for Gaza .",
     "O O O O B-LOC O O O O O O O O O O B-ORG O O B-LOC O"),
    ("Moscow denied it .", "B-LOC O O O"),
    ("Clinton met Yeltsin in Helsinki on 21 March to discuss NATO expansion plans .",
     "B-PER O B-PER O B-LOC O O O O O B-ORG O O O"),
    ("Results 12 5 7", "O O O O"),
]


def _translate(words: str) -> str:
    return " ".join(w if (w[0].isupper() or not w.isalpha()) else w + "ni" for w in words.split())


_t = [(_translate(w), t) for w, t in EN]
_w8, _t8 = _t[8][0].split(), _t[8][1].split()
TGT = [*_t[:5], *_t[6:8], (" ".join(_w8[:9]), " ".join(_t8[:9])), (" ".join(_w8[9:]), " ".join(_t8[9:])), *_t[9:]]
KEPT = [0, 1, 2, 3, 4, 6, 7, 9, 10, 11]  # English sentences with a 1-1 partner


def _write(path: Path, sentences) -> Path:
    blocks = []
    for words, tags in sentences:
        blocks.append("\n".join(f"{w} {t}" for w, t in zip(words.split(), tags.split(), strict=True)))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    return _write(tmp_path / "en.txt", EN), _write(tmp_path / "swa.txt", TGT)


def test_sides_list_the_same_one_to_one_pairs_in_order(files, tmp_path: Path):
    src, tgt = files
    en = SentAlignedConll(str(src), str(tgt), side="source", cache_dir=str(tmp_path / "c"), data_dir=str(tmp_path))
    sw = SentAlignedConll(str(src), str(tgt), side="target", cache_dir=str(tmp_path / "c"), data_dir=str(tmp_path))
    en_words = [" ".join(s.words) for s in en.load("train")]
    sw_words = [" ".join(s.words) for s in sw.load("train")]
    # the filtered English sentence 5 and the split sentence 8 (a 1-2 bead) are left out
    assert en_words == [EN[i][0] for i in KEPT]
    assert sw_words == [_t[i][0] for i in KEPT]
    assert en.stats["pairing/pairs"] == 10 and en.stats["pairing/merged"] == 3
    assert en.stats["pairing/unmatched_source"] == 1
    # each side keeps its own file's labels
    assert sw.load("train")[4].tags == tuple(EN[4][1].split())


def test_limit_and_label_map_apply_to_the_served_side(files, tmp_path: Path):
    src, tgt = files
    en = SentAlignedConll(str(src), str(tgt), side="source", limit=2, label_map={"PER": None}, data_dir=str(tmp_path))
    out = en.load("train")
    assert [s.tags for s in out] == [("O", "O"), tuple(EN[1][1].split())]


def test_pairing_is_cached_and_reused(files, tmp_path: Path, monkeypatch):
    src, tgt = files
    cache = tmp_path / "c"
    SentAlignedConll(str(src), str(tgt), cache_dir=str(cache), data_dir=str(tmp_path)).load("train")
    assert len(list(cache.glob("*.json"))) == 1
    import xner.data.paired as paired

    def boom(*a, **k):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(paired, "align_sentences", boom)
    again = SentAlignedConll(str(src), str(tgt), side="target", cache_dir=str(cache), data_dir=str(tmp_path))
    assert len(again.load("train")) == 10
    # a changed file is a new key: recomputed, never the stale pairs
    _write(tgt, TGT[:6])
    with pytest.raises(AssertionError, match="recomputed"):
        SentAlignedConll(str(src), str(tgt), cache_dir=str(cache), data_dir=str(tmp_path)).load("train")


def test_relative_paths_resolve_under_data_dir_and_errors_are_clear(files, tmp_path: Path):
    with pytest.raises(ConfigError, match="side='both'"):
        SentAlignedConll("en.txt", "swa.txt", side="both", data_dir=str(tmp_path))
    with pytest.raises(DataFormatError, match=r"nope\.txt: file not found"):
        SentAlignedConll("en.txt", "nope.txt", data_dir=str(tmp_path)).load("train")
    with pytest.raises(ConfigError, match="only the split 'train'"):
        SentAlignedConll("en.txt", "swa.txt", data_dir=str(tmp_path)).load("test")
    assert len(SentAlignedConll("en.txt", "swa.txt", data_dir=str(tmp_path)).load("train")) == 10


def test_parallel_translator_serves_the_paired_partner_by_sentence_id(files, tmp_path: Path):
    src, tgt = files
    tr = ParallelTranslator(str(src), str(tgt), sentence_align=True, cache_dir=str(tmp_path / "c"),
                            data_dir=str(tmp_path))
    en = SentAlignedConll(str(src), str(tgt), data_dir=str(tmp_path)).load("train")
    out = tr.translate([s.words for s in en], "en", "swa", ids=[s.id for s in en])
    assert [" ".join(w) for w in out] == [_t[i][0] for i in KEPT]
    with pytest.raises(ConfigError, match="sentence_align=true needs two CoNLL files"):
        ParallelTranslator(str(src), str(tgt), format="lines", sentence_align=True)
