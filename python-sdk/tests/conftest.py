import json
import os
import pathlib
import subprocess
import sys
from typing import Any

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python-sdk"))


@pytest.fixture(scope="session")
def vectors():
    """The shared vectors, also read by the executor (Node, workerd) and the JS SDK tests."""
    return json.loads((ROOT / "registry" / "testdata" / "crypto-vectors.json").read_text("utf-8"))

CLI = ROOT / "cli" / "dist" / "bin.js"
# Base URLs of the real platforms started here: only their answers are checked against the models.
PLATFORMS = set()


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
        # 127.0.0.1 reachable from workflow and recipe steps: recipes run against local stand-ins of their services.
        ["node", str(CLI), "--json", "dev", "--port", "0", "--state", str(state), "--allow-host", "127.0.0.1"],
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
        # The platform key lives outside the state folder, in the file `acr dev --json` names.
        local = json.loads(pathlib.Path(dev["keyFile"]).read_text("utf-8"))
        PLATFORMS.add(dev["url"].rstrip("/"))
        yield {**dev, **local}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="session")
def openapi(platform):
    """The running platform's own OpenAPI document."""
    import urllib.request

    with urllib.request.urlopen(f"{platform['url']}/openapi.json", timeout=30) as res:
        return json.loads(res.read())


@pytest.fixture
def checked_answers(openapi, monkeypatch):
    """Every answer the SDK receives during the test is checked against the generated model of its operation
    (arcrun_sdk.models.RESPONSES); yields the operationIds checked."""
    from arcrun_sdk import _transport, models

    from conform import Routes, problems

    routes, seen = Routes(openapi), []
    original = _transport._Base._result

    def result(self, r, res):
        json_answer = res.headers.get("content-type", "").startswith("application/json")
        if self.url in PLATFORMS and res.status_code < 400 and json_answer:
            op = routes.operation(r.method, r.path)
            assert op, f"{r.method} {r.path} is not in /openapi.json"
            found = problems(res.json(), models.RESPONSES.get(op, {}).get(res.status_code, Any), op)
            assert not found, f"the answer of {op} does not fit arcrun_sdk.models: {found[:5]}"
            seen.append(op)
        return original(self, r, res)

    monkeypatch.setattr(_transport._Base, "_result", result)
    yield seen


class Blocking:
    """An AsyncClient driven from synchronous test code on its own event loop: the same tests then run every
    method through both clients (awaitables resolved, async iterators collected)."""

    def __init__(self, target, loop):
        self._target, self._loop = target, loop

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if callable(attr):
            return lambda *a, **kw: self._settle(attr(*a, **kw))
        return attr if isinstance(attr, (str, int, float, bool, type(None), dict, list)) else Blocking(attr, self._loop)

    def _settle(self, value):
        import inspect

        if inspect.isawaitable(value):
            return self._loop.run_until_complete(value)
        if inspect.isasyncgen(value):
            return self._steps(value)
        return value

    def _steps(self, agen):
        """An async iterator stepped lazily (``follow`` never ends by itself)."""
        try:
            while True:
                try:
                    yield self._loop.run_until_complete(agen.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            self._loop.run_until_complete(agen.aclose())


@pytest.fixture(scope="module", params=["sync", "async"])
def make(request):
    """Builds a client of this run's kind: ``make(url, key, **kw)``; closed after the module."""
    import asyncio

    from arcrun_sdk import AsyncClient, Client

    made, loop = [], asyncio.new_event_loop()

    def build(url, key, **kw):
        if request.param == "sync":
            c = Client(url, key, **kw)
            made.append(c.close)
            return c
        c = AsyncClient(url, key, **kw)
        made.append(lambda: loop.run_until_complete(c.aclose()))
        return Blocking(c, loop)

    build.kind = request.param
    yield build
    for close in made:
        close()
    loop.close()
