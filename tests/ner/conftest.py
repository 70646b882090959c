import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True, scope="session")
def _xner_home(tmp_path_factory):
    """Tiny models are built once per session into a private XNER_HOME (unless one is set)."""
    if "XNER_HOME" not in os.environ:
        os.environ["XNER_HOME"] = str(tmp_path_factory.mktemp("xner_home"))
    yield


def data_dir() -> Path:
    return Path(os.environ.get("XNER_DATA", REPO / ".." / "shared" / "data")).resolve()


def require_data(*parts: str) -> Path:
    path = data_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not found at {path} (set XNER_DATA to ../shared/data)")
    return path
