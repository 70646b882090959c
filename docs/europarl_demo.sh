#!/usr/bin/env bash
# The sweep behind docs/dashboard.png: offline Europarl-NER projection (en→de/es/it, 799 sentences
# each, gold on both sides) with the offline encoder, SimAlign and AWESoME alignments, heuristic
# projection and n-gram matching (greedy, ILP); then the dashboard and its screenshot.
# Runs on a CPU without network; alignments are cached, so the matching sweeps reuse them.
set -euo pipefail
cd "$(dirname "$0")/.."
export XNER_DATA="${XNER_DATA:-../shared/data}"
D=multirun/europarl_demo
P=(+hydra.callbacks.progress._target_=xner.pipeline.callbacks.SweepProgress logger=none print_metrics=false)
AWESOME=(aligner=awesome aligner.encoder=offline:multilingual-e5-small '~aligner.method')
python run.py -m experiment=quickstart_projection lang=de,es,it projection=heuristic "${P[@]}" hydra.sweep.dir=$D/simalign_heuristic
python run.py -m experiment=quickstart_projection lang=de,es,it matcher=greedy,ilp "${P[@]}" hydra.sweep.dir=$D/simalign_matching
python run.py -m experiment=quickstart_projection lang=de,es,it "${AWESOME[@]}" projection=heuristic "${P[@]}" hydra.sweep.dir=$D/awesome_heuristic
python run.py -m experiment=quickstart_projection lang=de,es,it "${AWESOME[@]}" matcher=greedy,ilp "${P[@]}" hydra.sweep.dir=$D/awesome_matching
python -m xner.dashboard $D -o $D/report.html --baseline proj-eval:heuristic/simalign
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --hide-scrollbars \
  --window-size=1280,1500 --screenshot=docs/dashboard.png "file://$PWD/$D/report.html"
