"""xner.hub: model resolution (offline names, local directories, hub ids), devices, local model identity."""

from __future__ import annotations

import pytest

from xner import hub
from xner.errors import ModelNotFoundError


def test_resolve_local_dir(tmp_path):
    assert hub.resolve_model(str(tmp_path)) == str(tmp_path)


def test_resolve_missing_dir():
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        hub.resolve_model("./no/such/model_dir")


def test_resolve_unknown_offline_name():
    with pytest.raises(ModelNotFoundError, match=r"offline:multilingual-e5-small"):
        hub.resolve_model("offline:bert-huge")


def test_resolve_hub_id_offline_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(hub, "_cached_snapshot", lambda name: None)
    hub.hub_reachable.cache_clear()
    try:
        with pytest.raises(ModelNotFoundError) as info:
            hub.resolve_model("bert-base-multilingual-cased")
    finally:
        hub.hub_reachable.cache_clear()
    msg = str(info.value)
    assert "bert-base-multilingual-cased" in msg and hub.OFFLINE_E5 in msg


def test_resolve_device_names_the_config_key(monkeypatch):
    import torch

    from xner.errors import ConfigError
    from xner.hub import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto", "translator.device") == "cpu"
    assert resolve_device("cpu", "translator.device") == "cpu"
    with pytest.raises(ConfigError, match=r"translator\.device='cuda:1' but no CUDA GPU is visible"):
        resolve_device("cuda:1", "translator.device")


def test_local_model_directories_are_keyed_by_their_files(tmp_path):
    import os

    from xner.hub import local_weights_id

    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"\0" * 64)
    first = local_weights_id(str(model))
    assert first is not None and local_weights_id(str(model)) == first
    # retrained into the same directory: same names and sizes, new contents and times → new identity
    (model / "model.safetensors").write_bytes(b"\1" * 64)
    os.utime(model / "model.safetensors", ns=(1, 1))
    assert local_weights_id(str(model)) != first
    assert local_weights_id("facebook/nllb-200-distilled-600M") is None
    assert local_weights_id("offline:multilingual-e5-small") is None


def test_cache_configs_carry_the_local_model_identity(tmp_path):
    from xner.align.neural import SimAlign
    from xner.ner.tagger import SourceTagger

    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text("{}")
    before = (SimAlign(encoder=str(model)).cache_config(), SourceTagger(str(model)).cache_config())
    (model / "config.json").write_text('{"retrained": true}')
    after = (SimAlign(encoder=str(model)).cache_config(), SourceTagger(str(model)).cache_config())
    assert before[0]["weights"] != after[0]["weights"] and before[1]["weights"] != after[1]["weights"]


def test_pin_config_version_stamps_non_mistral_models_only(tmp_path):
    """transformers 4.57.3+ warns of a Mistral regex bug for any local tokenizer saved by a newer
    version; saved BERT/XLM-R models are stamped 4.57.2 (no false warning), Mistral ones are not."""
    import json

    from xner.hub import pin_config_version

    (tmp_path / "bert").mkdir()
    (tmp_path / "bert" / "config.json").write_text(json.dumps({"model_type": "bert", "transformers_version": "4.57.6"}))
    pin_config_version(tmp_path / "bert")
    assert json.loads((tmp_path / "bert" / "config.json").read_text())["transformers_version"] == "4.57.2"
    mistral = tmp_path / "config.json"
    mistral.write_text(json.dumps({"model_type": "mistral", "transformers_version": "4.57.6"}))
    pin_config_version(mistral)
    assert json.loads(mistral.read_text())["transformers_version"] == "4.57.6"
