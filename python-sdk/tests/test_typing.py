"""The package is typed (py.typed): mypy --strict passes on it, and on code that uses the generated models."""

import pathlib
import subprocess
import sys
import tempfile

import pytest

SDK = pathlib.Path(__file__).resolve().parents[1]

USE = '''
from arcrun_sdk import Client, models

def status(arc: Client) -> str:
    run: models.ExecutionResult = arc.runs.create("hello", {"name": "Ada"})
    accepted: models.ExecutionAccepted = {"execution_id": "ex1", "status": "running"}
    return run["status"] + accepted["status"]
'''

WRONG = '''
from arcrun_sdk import models

accepted: models.ExecutionAccepted = {"execution_id": "ex1", "status": "done"}
'''


def _mypy(*args: str) -> "subprocess.CompletedProcess[str]":
    pytest.importorskip("mypy")
    cmd = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(pathlib.Path(tempfile.gettempdir()) / "arcrun-sdk-mypy"), *args]
    return subprocess.run(cmd, cwd=SDK, capture_output=True, text=True)


def test_the_package_passes_mypy_strict():
    out = _mypy("arcrun_sdk")
    assert out.returncode == 0, out.stdout


def test_models_type_callers_code(tmp_path):
    (tmp_path / "use.py").write_text(USE, "utf-8")
    (tmp_path / "wrong.py").write_text(WRONG, "utf-8")
    ok = _mypy(str(tmp_path / "use.py"))
    assert ok.returncode == 0, ok.stdout
    bad = _mypy(str(tmp_path / "wrong.py"))
    assert bad.returncode == 1 and "Literal['done']" in bad.stdout, bad.stdout
