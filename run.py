"""xner entry point: `python run.py [group=option ...] [key=value ...]`, `-m` for sweeps."""

import sys
from pathlib import Path

import hydra

from xner.errors import XnerError
from xner.pipeline import main as run_pipeline
from xner.pipeline.config import check_keys, check_overrides

CONF_DIR = Path(__file__).resolve().parent / "conf"


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg):
    return run_pipeline(cfg)


if __name__ == "__main__":
    try:
        check_overrides(sys.argv[1:], CONF_DIR)
        check_keys(sys.argv[1:], CONF_DIR)
    except XnerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    main()
