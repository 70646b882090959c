from xner.dashboard.methods import Method, group_of, language_of, method_of


def _cfg(task, **groups):
    cfg = {"task": {"name": task}, "lang": {"code": "swa"}}
    cfg.update(groups)
    return cfg


def test_labels_from_hydra_choices():
    cases = [
        ({"task": "model_transfer"}, {}, "model-transfer"),
        ({"projection": "heuristic", "aligner": "simalign"}, {}, "heuristic/simalign"),
        (
            {"projection": "heuristic", "aligner": "awesome"},
            {"projection": {"backtranslation": True}},
            "heuristic/awesome+bt",
        ),
        (
            {"projection": "matching", "aligner": "awesome", "candidates": "ner", "matcher": "ilp"},
            {},
            "ner-ilp/awesome",
        ),
        ({"projection": "marker", "aligner": "simalign"}, {}, "marker"),
    ]
    for choices, extra, label in cases:
        task = choices.pop("task", "translate_test")
        assert method_of(_cfg(task, **extra), choices).label == label


def test_aligner_variant_and_task_prefix():
    cfg = _cfg("translate_train", aligner={"method": "argmax"})
    choices = {"projection": "matching", "aligner": "simalign", "candidates": "ngram", "matcher": "greedy"}
    m = method_of(cfg, choices)
    assert m.label == "train:ngram-greedy/simalign-argmax"
    default = method_of(_cfg("translate_test", aligner={"method": "itermax"}), choices)
    assert default.label == "ngram-greedy/simalign"  # the default variant is not spelled out
    assert m.reference_key().aligner_variant == ""
    assert method_of(_cfg("align_eval", aligner={"method": "mai"}), {"aligner": "simalign"}).label == (
        "align_eval/simalign-mai"
    )


def test_fallback_to_target_class_without_hydra_yaml():
    cfg = _cfg(
        "translate_test",
        projection={"_target_": "xner.project.projector.MatchingProjector", "backtranslation": True},
        aligner={"_target_": "xner.align.simalign.SimAligner"},
        candidates={"_target_": "xner.project.candidates.NgramCandidates"},
        matcher={"_target_": "xner.project.matching.IlpMatcher"},
    )
    assert method_of(cfg).label == "ngram-ilp/simalign+bt"


def test_model_transfer_ignores_leftover_groups():
    m = method_of(_cfg("model_transfer", projection={"backtranslation": True}), {"aligner": "simalign"})
    assert m == Method("model_transfer")


def test_language_and_group():
    assert language_of({"lang": {"code": "yor"}}) == "yor"
    assert language_of({}, {"lang": "sw"}) == "sw"
    assert (group_of("yor"), group_of("sw"), group_of("en")) == ("MasakhaNER", "XTREME", "other")


def test_training_set_keeps_the_masakhaner_offline_methods_apart():
    """T-Projection's labels (model_transfer on the target side) and English + projected
    (translate_train with task.include_source) must not share a label with model transfer / n-gram ILP."""
    mt = method_of({"task": {"name": "model_transfer", "source_data": {"side": "source"}}}, {})
    tproj = method_of({"task": {"name": "model_transfer", "source_data": {"side": "target"}}}, {})
    assert (mt.label, tproj.label) == ("model-transfer", "train:target-file-labels")
    assert tproj.reference_key() != mt.reference_key()  # the seed's model-transfer figures are not T-Projection's
    choices = {"projection": "matching", "aligner": "simalign", "candidates": "ngram", "matcher": "ilp"}
    proj = method_of({"task": {"name": "translate_train"}}, choices)
    both = method_of({"task": {"name": "translate_train", "include_source": True}}, choices)
    assert (proj.label, both.label) == ("train:ngram-ilp/simalign", "train:en+ngram-ilp/simalign")
