import pytest

from xner.data.sentalign import align_sentences, main

EN = [
    "EU rejects German call to boycott British lamb .",
    "Peter Blackburn",
    "BRUSSELS 1996-08-22",
    "The European Commission said on Thursday it disagreed with German advice to consumers to shun British lamb "
    "until scientists determine whether mad cow disease can be transmitted to sheep .",
    "Germany 's representative to the European Union 's veterinary committee Werner Zwingmann said on Wednesday "
    "consumers should buy sheepmeat from countries other than Britain .",
]
DE = [
    "EU weist deutschen Aufruf zum Boykott von britischem Lammfleisch zurück .",
    "Peter Blackburn",
    "BRÜSSEL 1996-08-22",
    # the long 4th sentence split in two by the translator
    "Die Europäische Kommission erklärte am Donnerstag , sie sei nicht mit der deutschen Empfehlung einverstanden .",
    "Verbraucher sollten britisches Lammfleisch meiden , bis Wissenschaftler klären , ob der Rinderwahnsinn auf "
    "Schafe übertragbar ist .",
    "Der Vertreter Deutschlands im Veterinärausschuss der Europäischen Union , Werner Zwingmann , sagte am "
    "Mittwoch , die Verbraucher sollten Schaffleisch aus anderen Ländern als Großbritannien kaufen .",
]


def words(lines):
    return [s.split() for s in lines]


def test_a_split_sentence_is_left_out_and_the_rest_paired_in_order():
    result = align_sentences(words(EN), words(DE))
    assert result.pairs == [(0, 0), (1, 1), (2, 2), (4, 5)]
    assert result.merged == 3 and result.unmatched_source == result.unmatched_target == 0


def test_a_dropped_sentence_is_counted_not_paired():
    de = DE[:3] + DE[5:]  # the long 4th sentence left untranslated
    result = align_sentences(words(EN), words(de), ratio=1.1)  # German runs ~10% longer than English
    assert result.pairs == [(0, 0), (1, 1), (2, 2), (4, 3)]
    assert result.unmatched_source == 1 and result.unmatched_target == 0 and result.merged == 0


def test_index_parallel_files_pair_one_to_one():
    same = words(EN)
    assert align_sentences(same, same).pairs == [(i, i) for i in range(len(EN))]


def test_cli_writes_paired_files(tmp_path, capsys):
    def conll(path, lines):
        path.write_text("-DOCSTART- O\n\n" + "\n".join("".join(f"{w} O\n" for w in s.split()) for s in lines))
        return path

    en, de = conll(tmp_path / "en.tsv", EN), conll(tmp_path / "de.tsv", DE)
    main([str(en), str(de), "--out-dir", str(tmp_path / "out")])
    assert "wrote 4 sentence pairs" in capsys.readouterr().out
    paired = (tmp_path / "out" / "de.paired.tsv").read_text().split("\n\n")
    assert [" ".join(x.split()[0::2]) for x in paired] == [DE[0], DE[1], DE[2], DE[5]]


def test_files_too_different_for_the_band_fail_clearly():
    with pytest.raises(ValueError, match="band"):
        align_sentences(words(EN[:1]), words(DE * 2), band=0)
