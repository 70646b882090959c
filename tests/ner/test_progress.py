"""Training progress in the log when no terminal shows the bar; Lightning's tip and warning silenced."""

import io
import logging
import warnings

import pytest

from xner.ner.config import ModelSpec, TrainerSpec
from xner.ner.progress import format_progress, show_progress_bar
from xner.ner.train import fine_tune

from .test_train import LABELS, toy


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_format_progress_uses_tqdm_rate_and_remaining_time():
    # 51 of 204 steps in 102 s: 2 s/step, 153 steps left → 306 s = 05:06
    assert format_progress(51, 204, 102.0) == "51/204 steps [01:42<05:06,  2.00s/step]"
    # resumed at step 50: the rate counts only the 10 steps timed
    assert format_progress(60, 100, 5.0, initial=50) == "60/100 steps [00:05<00:20,  2.00step/s]"


def test_progress_bar_only_on_a_terminal():
    assert show_progress_bar(True, _Tty()) and not show_progress_bar(True, io.StringIO())
    assert not show_progress_bar(False, _Tty())


def test_fit_without_terminal_logs_steps_rate_and_eta_and_no_lightning_noise(tmp_path, caplog):
    spec = TrainerSpec(max_epochs=2, batch_size=8, enable_progress_bar=True, early_stopping_patience=0,
                       progress_every_n_steps=2)
    with caplog.at_level(logging.INFO), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        fine_tune(ModelSpec(name="tiny:0", learning_rate=5e-3, max_length=32), spec, LABELS,
                  toy(24, 1), toy(8, 2), output_dir=tmp_path, seed=1)
    lines = [r.getMessage() for r in caplog.records if r.name == "xner.ner.progress"]
    # 24 sentences / 8 = 3 steps per epoch, 6 in all: a line at steps 2, 4, 6 (pytest's stderr is no tty)
    assert [line.split(", ")[1].split(" [")[0] for line in lines] == ["2/6 steps", "4/6 steps", "6/6 steps"]
    assert lines[0].startswith("train: epoch 1/2 batch 2/3, 2/6 steps [") and "<" in lines[0]
    assert lines[1].startswith("train: epoch 2/2 batch 1/3,") and "loss" in lines[1]
    assert not any("litlogger" in r.getMessage() for r in caplog.records)
    assert not [w for w in caught if "LeafSpec" in str(w.message)]


def test_progress_every_n_steps_is_checked():
    with pytest.raises(Exception, match="progress_every_n_steps"):
        TrainerSpec(progress_every_n_steps=-1)
