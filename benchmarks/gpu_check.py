"""GPU checks of every device path of xner, in one command (the checks: the package `gpucheck/`).

bash benchmarks/gpu_check.sh                        # on the GPU machine: installs .whl/, runs this
python benchmarks/gpu_check.py --device cpu         # here: GPU-only checks are "skipped" or run
                                                    # as CPU substitutes, so the script itself is tested
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpucheck.main import main

if __name__ == "__main__":
    raise SystemExit(main())
