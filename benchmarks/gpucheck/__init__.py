"""GPU checks of every device path of xner, in one command (tiny models built on the spot, no hub).

    bash benchmarks/gpu_check.sh                        # on the GPU machine: installs .whl/, runs this
    python benchmarks/gpu_check.py --device cpu         # here: GPU-only checks are "skipped" or run
                                                        # as CPU substitutes, so the script itself is tested

Checks (each independent: ok / warn (cuda differs from cpu beyond a threshold) / failed / skipped,
with the error's traceback tail and its time):

  env          nvidia-smi name, torch / CUDA / transformers / lightning / numpy versions; every xner
               module imports under these versions
  models       tiny BERT token classifier (xner.ner.models), a BERT-base-size random-init encoder
  train_gpu    run.py task=translate_train trainer=gpu (bf16-mixed) on Europarl-NER en→de with a tiny
               model, translator=parallel, SimAlign with the tiny encoder on aligner.device=cuda;
               metrics.json, finite test/f1, the saved model/ loads on CPU and tags
  ddp          run.py task=model_transfer trainer=ddp with trainer.devices=1 and trainer.devices=-1
  oom          xner.ner.train.fine_tune under torch.cuda.set_per_process_memory_fraction (a subprocess):
               the XnerError names a smaller trainer.batch_size
  tagger       SourceTagger on cuda vs cpu: identical spans, largest probability difference
  aligner      SimAlign (tiny and BERT-base-size encoders) on cuda vs cpu: identical link sets, pairs/s
  translators  tiny NLLB / M2M100 on cuda fp32, bf16, auto vs cpu fp32: identical outputs; per-sentence
               vs batched sentences/s (benchmarks/translate.py's functions); run.py task=translate_test
               with translator, tagger and aligner all on cuda
  pytest       a fast subset of the unit tests (numpy-heavy pure code) under the device's versions

One module per check (`gpucheck.env`, `.models`, `.train`, `.oom`, `.tagger`, `.aligner`,
`.translators`, `.pytest_subset`), sharing `gpucheck.core`; `gpucheck.main` is the command line.

Results go to ``--out``/gpu_check.json after every check (a killed run keeps what finished). Prints a
table, then one JSON line of all figures.
"""
