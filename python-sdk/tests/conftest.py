import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python-sdk"))


@pytest.fixture(scope="session")
def vectors():
    """The shared vectors, also read by the executor (Node, workerd) and the JS SDK tests."""
    return json.loads((ROOT / "registry" / "testdata" / "crypto-vectors.json").read_text("utf-8"))

CLI = ROOT / "cli" / "dist" / "bin.js"


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    if not CLI.exists() or not (ROOT / "cypher-executor" / "dist" / "index.js").exists():
        pytest.skip("the CLI and executor are not built: run `npm run build` (npm test does)")
    home = tmp_path_factory.mktemp("arcrun")
    state = home / "state"
    env = {**os.environ, "WRANGLER_SEND_METRICS": "false", "NO_COLOR": "1"}
    for var in ("ARCRUN_URL", "ARCRUN_API_KEY", "ARCRUN_ENCRYPTION_KEY"):
        env.pop(var, None)
    proc = subprocess.Popen(
        ["node", str(CLI), "--json", "dev", "--port", "0", "--state", str(state)],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"acr dev exited with {proc.wait()}: {proc.stderr.read()[-2000:]}")
        dev = json.loads(line)
        local = json.loads((state / "secrets.json").read_text("utf-8"))
        yield {**dev, **local}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
