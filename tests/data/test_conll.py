import logging

import pytest

from xner.data.conll import read_conll, write_conll
from xner.data.types import Sentence
from xner.errors import DataFormatError


def write(tmp_path, text, name="f.txt", raw=None):
    path = tmp_path / name
    path.write_bytes(raw if raw is not None else text.encode("utf-8"))
    return path


def test_two_column_space(tmp_path):
    path = write(tmp_path, "Obama B-PER\nalikuja O\n\nNairobi B-LOC\n")
    sents = read_conll(path)
    assert [s.words for s in sents] == [("Obama", "alikuja"), ("Nairobi",)]
    assert sents[1].tags == ("B-LOC",)
    assert sents[0].origin == f"{path}:1" and sents[1].origin == f"{path}:4"
    assert sents[0].id == "f.txt-0"


def test_conll2003_four_columns_and_docstart(tmp_path):
    text = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n"
    sents = read_conll(write(tmp_path, text))
    assert len(sents) == 1 and sents[0].tags == ("B-ORG", "O")


def test_tab_separated_with_spaces_in_token(tmp_path):
    sents = read_conll(write(tmp_path, "New York\tB-LOC\nx\tO\n"))
    assert sents[0].words == ("New York", "x")


def test_panx_prefix_crlf_bom_no_trailing_newline(tmp_path):
    raw = "\ufeffde:Anton\tB-PER\r\nde:Wilhelm\tI-PER\r\n\r\nde:x\tO".encode()
    sents = read_conll(write(tmp_path, "", raw=raw), strip_lang_prefix=True)
    assert [s.words for s in sents] == [("Anton", "Wilhelm"), ("x",)]


def test_comment_lines_skipped_but_hash_token_kept(tmp_path):
    sents = read_conll(write(tmp_path, "# sent_id = 3\n# O\nfoo O\n"))
    assert sents[0].words == ("#", "foo")


def test_wrong_column_count_names_line(tmp_path):
    path = write(tmp_path, "a B-PER\nb X O\n")
    with pytest.raises(DataFormatError, match=rf"{path}:2: expected 2 columns"):
        read_conll(path)


def test_single_column_is_an_error(tmp_path):
    path = write(tmp_path, "token\n")
    with pytest.raises(DataFormatError, match=rf"{path}:1: expected a token and a tag"):
        read_conll(path)


def test_unknown_tag_names_line(tmp_path):
    path = write(tmp_path, "a O\nb PERSON\n")
    with pytest.raises(DataFormatError, match=rf"{path}:2: invalid tag 'PERSON'"):
        read_conll(path)


def test_unknown_label_for_dataset(tmp_path):
    path = write(tmp_path, "a B-DATE\n")
    with pytest.raises(DataFormatError, match="unknown entity type 'DATE'"):
        read_conll(path, labels=["PER", "ORG", "LOC"])


def test_i_start_repaired_with_warning_or_strict_error(tmp_path, caplog):
    path = write(tmp_path, "a O\nb I-ORG\nc I-ORG\n")
    with caplog.at_level(logging.WARNING):
        sents = read_conll(path)
    assert sents[0].tags == ("O", "B-ORG", "I-ORG")
    assert f"{path}:2" in caplog.text and "repaired 1" in caplog.text
    with pytest.raises(DataFormatError, match=rf"{path}:2"):
        read_conll(path, strict=True)


def test_empty_token_dropped_with_warning_or_strict_error(tmp_path, caplog):
    # As in MasakhaNER xho/train.txt: a line " O" whose token is empty.
    path = write(tmp_path, "a O\n O\nb B-PER\n")
    with caplog.at_level(logging.WARNING):
        sents = read_conll(path)
    assert sents[0].words == ("a", "b") and sents[0].tags == ("O", "B-PER")
    assert f"{path}:2" in caplog.text
    with pytest.raises(DataFormatError, match=rf"{path}:2: empty token"):
        read_conll(path, strict=True)


def test_non_utf8_names_line(tmp_path):
    path = write(tmp_path, "", raw=b"a O\nb\xff O\n")
    with pytest.raises(DataFormatError, match=rf"{path}:2: not valid UTF-8"):
        read_conll(path)


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(DataFormatError, match="file not found"):
        read_conll(tmp_path / "nope.txt")
    assert read_conll(write(tmp_path, "")) == []


def test_write_conll_roundtrip(tmp_path):
    sents = [Sentence(("a", "b"), ("B-PER", "O")), Sentence(("c",), ("B-LOC",))]
    path = write_conll(tmp_path / "out" / "x.conll", sents)
    back = read_conll(path)
    assert [(s.words, s.tags) for s in back] == [(s.words, s.tags) for s in sents]
    assert not list((tmp_path / "out").glob(".*tmp"))  # no temporary file left behind


def test_unicode_space_tokens_are_tokens(tmp_path):
    path = write(tmp_path, "東京\tB-LOC\n\u3000\tO\nです\tO\n\nTokyo B-LOC\n\u00a0 O\n")
    sents = read_conll(path)
    assert [s.words for s in sents] == [("東京", "\u3000", "です"), ("Tokyo", "\u00a0")]
    write_conll(tmp_path / "out.conll", sents)
    assert [s.words for s in read_conll(tmp_path / "out.conll")] == [s.words for s in sents]
