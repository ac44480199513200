import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python-sdk"))


@pytest.fixture(scope="session")
def vectors():
    """The shared vectors, also read by the executor (Node, workerd) and the JS SDK tests."""
    return json.loads((ROOT / "registry" / "testdata" / "crypto-vectors.json").read_text("utf-8"))
