from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xner.dashboard.collect import Run, collect_runs
from xner.dashboard.methods import Method
from xner.dashboard.reference import load_reference, parse_rows, seed_method
from xner.dashboard.table import build_table, metric_value

MT = Method("model_transfer")
HEUR = Method("translate_test", "heuristic", "simalign")
NGRAM = Method("translate_test", "matching", "simalign", "", "ngram", "greedy")


def test_table_values_best_averages_and_baseline(sweep: Path):
    t = build_table(collect_runs([sweep]).runs, "recall")
    assert t.methods == [MT, HEUR, NGRAM]  # model transfer first, align_eval has no recall
    assert t.columns == ["swa", "yor", "sw"]  # MasakhaNER before XTREME
    assert t.groups == {"MasakhaNER": ["swa", "yor"], "XTREME": ["sw"]}
    assert t.value(HEUR, "yor") == 0.55
    assert (t.best("swa"), t.best("yor"), t.best("sw")) == ({NGRAM}, {HEUR}, {NGRAM})
    assert t.average(MT, "MasakhaNER") == (pytest.approx(0.50), 2)
    assert t.average(NGRAM) == (pytest.approx((0.75 + 0.50 + 0.72) / 3), 3)
    assert t.baseline == MT
    assert t.diff(HEUR, "swa") == pytest.approx(0.10)
    assert t.diff(HEUR, "sw") == pytest.approx(-0.05)
    assert t.types == ["LOC", "PER"]
    assert t.type_average(MT, "PER") == (pytest.approx((0.30 + 0.20 + 0.35) / 3), 3)
    assert [s.path.name for s in t.missing] == ["aligneval"]
    assert "no recall metric" in t.missing[0].reason


def test_explicit_metric_key_and_baseline(sweep: Path):
    runs = collect_runs([sweep]).runs
    assert metric_value({"projection/f1": 0.4}, "f1") == ("projection/f1", 0.4)
    assert metric_value({"test/f1": 0.4}, "projection/f1") is None
    t = build_table(runs, "precision", baseline="heuristic/simalign")
    assert t.baseline == HEUR and t.diff(MT, "swa") == 0.0


def _run(method: Method, lang: str, recall: float) -> Run:
    return Run(Path(f"/x/{lang}/{method.label}"), lang, method, {"test/recall": recall})


METHODS = [MT, HEUR, NGRAM, Method("translate_test", "matching", "awesome", "", "ner", "ilp", True)]
LANGS = ["swa", "yor", "hau", "sw", "de", "en"]


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(METHODS), st.sampled_from(LANGS)), st.floats(0, 1, allow_nan=False), min_size=1
    )
)
def test_averages_and_best_match_brute_force(cells):
    t = build_table([_run(m, lang, v) for (m, lang), v in cells.items()], "recall")
    for m in t.methods:
        for group, cols in t.groups.items():
            vals = [cells[(m, c)] for c in cols if (m, c) in cells]
            mean, n = t.average(m, group)
            assert n == len(vals)
            assert (mean is None) if not vals else mean == pytest.approx(sum(vals) / len(vals))
    for c in t.columns:
        top = max(v for (m, lang), v in cells.items() if lang == c)
        assert t.best(c) == {m for (m, lang), v in cells.items() if lang == c and v == top}


def test_seed_rows_map_to_xner_methods():
    assert seed_method({"pipeline_type": "model_transfer"}) == MT
    assert seed_method({"pipeline_type": "align_src", "aligner": "simalign"}) == HEUR
    assert seed_method({"pipeline_type": "align_tgt", "aligner": "simalign"}) is None
    row = {
        "pipeline_type": "backtrans_candidates",
        "aligner": "awesome",
        "candidate_matching": "argmax",
        "candidate_selection": "ner",
    }
    assert seed_method(row) == Method("translate_test", "matching", "awesome", "", "ner", "greedy", True)
    ref = parse_rows(
        [
            {
                **row,
                "dataset": "masakhaner2",
                "lang": "swa",
                "Status": "FINISHED",
                "overall_recall": "0.5",
                "PER_recall": "0.75",
                "overall_f1": "",
            }
        ]
    )
    assert ref == {("masakhaner2", "swa", seed_method(row)): {"recall": 0.5, "recall_PER": 0.75}}


def test_real_seed_figures_become_reference_cells(data_dir: Path, sweep: Path):
    ref, note = load_reference(data_dir)
    assert "reference_results" in note
    # 13 seed pipelines per language, 11 with an xner counterpart (align_tgt has none), for 18 + 39
    # languages; Europarl-NER: 7 pipelines for 3 languages
    assert len(ref) == 11 * (18 + 39) + 7 * 3
    t = build_table(collect_runs([sweep]).runs, "recall", reference=ref)
    # published MasakhaNER 2.0 Swahili figures (seed release, masakhaner2_metrics.csv)
    assert t.reference[(MT, "swa")] == pytest.approx(0.904609, abs=1e-6)
    assert t.reference[(HEUR, "swa")] == pytest.approx(0.748928, abs=1e-6)
    assert t.reference[(NGRAM, "swa")] == pytest.approx(0.766613, abs=1e-6)
    assert t.reference[(MT, "sw")] == pytest.approx(0.40201, abs=1e-6)


def test_columns_on_other_datasets_form_their_own_group():
    runs = [_run(MT, "swa", 0.5), _run(MT, "sw", 0.6), _run(MT, "de", 0.7)]
    runs.append(Run(Path("/x/ep"), "de", MT, {"test/recall": 0.9}, dataset="europarl_ner"))
    t = build_table(runs, "recall")
    assert t.groups == {"MasakhaNER": ["swa"], "XTREME": ["de", "sw"], "europarl_ner": ["de/europarl_ner"]}
    assert t.average(MT, "XTREME") == (pytest.approx(0.65), 2)


def test_error_measures_prefer_the_lowest_value(tmp_path: Path):
    from xner.dashboard.methods import Method as M

    a, b = M("align_eval", aligner="simalign"), M("align_eval", aligner="awesome")
    runs = [Run(Path("/x/a"), "de", a, {"align/aer": 0.25}), Run(Path("/x/b"), "de", b, {"align/aer": 0.18})]
    t = build_table(runs, "align/aer")
    assert t.lower_is_better and t.best("de") == {b}
    assert not build_table(runs, "recall").methods  # no recall in alignment runs


def test_explorer_error_counts_lowest_best_but_exact_highest():
    from xner.dashboard.table import lower_is_better

    assert lower_is_better("projection/errors_boundary") and lower_is_better("projection/errors_missed")
    assert not lower_is_better("projection/errors_exact")


def test_only_fraction_measures_are_shown_as_percentages():
    runs = [_run(MT, "swa", 0.5)]
    runs[0].metrics.update({"projection/seconds": 0.003, "projection/recall_PER": 0.7})
    assert build_table(runs, "recall").scale == 100.0
    assert build_table(runs, "projection/recall_PER").scale == 100.0
    assert build_table(runs, "projection/seconds").scale == 1.0
