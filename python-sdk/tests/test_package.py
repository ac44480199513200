"""`python -m build` makes a wheel; an empty venv installs it (deps from PyPI) and runs the README quick start."""

import os
import pathlib
import re
import shutil
import subprocess
import sys
import venv

import pytest

SDK = pathlib.Path(__file__).resolve().parents[1]


def test_wheel_installs_and_runs_the_quick_start(platform, tmp_path):
    pytest.importorskip("build")
    # A copy: setuptools leaves build/ and *.egg-info beside the sources. Isolated build: setuptools from PyPI.
    src = tmp_path / "src"
    shutil.copytree(SDK, src, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(src)],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("arcrun_sdk-*.whl"))
    venv.create(tmp_path / "venv", with_pip=True)
    py = tmp_path / "venv" / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)], check=True)
    quick = re.search(r"## Quick start\s+```python\n(.*?)```", (SDK / "README.md").read_text("utf-8"), re.S).group(1)
    assert len([line for line in quick.splitlines() if line.strip()]) <= 10
    (tmp_path / "quick.py").write_text(quick, "utf-8")
    env = {
        **os.environ,
        "ARCRUN_URL": platform["url"],
        "ARCRUN_API_KEY": platform["apiKey"],
        "ARCRUN_ENCRYPTION_KEY": platform["encryptionKey"],
        "PYTHONPATH": "",
    }
    out = subprocess.run([str(py), "quick.py"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "succeeded {'message': 'Hello Ada'}"
    import_check = subprocess.run(
        [str(py), "-c", "import arcrun_sdk, pathlib; print(pathlib.Path(arcrun_sdk.__file__).parent.joinpath('py.typed').exists(), len(arcrun_sdk.models.RESPONSES) > 40)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert import_check.stdout.strip() == "True True"
