import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _xner_home(tmp_path_factory):
    """Tiny models are built once per session into a private XNER_HOME (unless one is set)."""
    if "XNER_HOME" not in os.environ:
        os.environ["XNER_HOME"] = str(tmp_path_factory.mktemp("xner_home"))
    yield
