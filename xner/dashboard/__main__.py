"""``python -m xner.dashboard <sweep or runs dirs...> [-o report.html] [--metric recall] [--baseline METHOD]``

``python -m xner.dashboard explore <run dir> [-o explore.html] [--compare <run dir 2>]``: the projection
explorer (`xner.dashboard.explore`)."""

from __future__ import annotations

import sys

from xner.dashboard.cli import main

if __name__ == "__main__":
    sys.exit(main())
