"""Every SDK method (sync and asyncio) against the real platform, one error path per error class, and the
operationId coverage of /openapi.json."""

import asyncio
import email.utils
from datetime import datetime, timedelta, timezone
import hashlib
import hmac
import http.server
import pathlib
import json
import threading
import time
from typing import Any
import urllib.request

import pytest

from arcrun_sdk import (
    ArcrunError,
    OPERATIONS,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    ConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableError,
    encrypt_credential,
    models,
    sign,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]

HELLO = (
    "name: hello\nflow:\n  - \"input >> ON_SUCCESS >> greet\"\nconfig:\n"
    '  greet: { component: set, values: { message: "Hello {{ input.name }}" } }\n'
)
PAUSE = "name: pause\nflow:\n  - \"input >> ON_SUCCESS >> hold\"\nconfig:\n  hold: { component: wait, duration: '1h' }\n"
EXCLUDED = {  # operationId -> why the SDK does not wrap it (keep short)
    "createSession": "browser console sign-in: an HttpOnly cookie, SDK callers send the key",
    "deleteSession": "browser console sign-out",
    "getMetrics": "Prometheus scrape endpoint, text not JSON",
}


pytestmark = pytest.mark.usefixtures("checked_answers")  # every answer fits arcrun_sdk.models


@pytest.fixture(scope="module")
def arc(make, platform):
    return make(platform["url"], platform["apiKey"], encryption_key=platform["encryptionKey"])


@pytest.fixture(scope="module")
def n(make):
    """A name of this client kind's own (the sync and async runs share one platform)."""
    return lambda base: f"{base}_{make.kind}"


def test_workflows_runs_executions(arc, n, checked_answers):
    hello = n("py_hello")
    assert arc.workflows.deploy(hello, HELLO.replace("name: hello", f"name: {hello}"))["version"] >= 1
    assert hello in [w["name"] for w in arc.workflows.list()]
    assert "Hello" in arc.workflows.get(hello)["source"]
    assert arc.workflows.get(hello, version=1)["version"] == 1
    assert [v["version"] for v in arc.workflows.versions(hello)][0] == 1
    assert arc.workflows.validate(HELLO)["valid"] is True
    assert "greet" in json.dumps(arc.workflows.compile(["input >> ON_SUCCESS >> greet"]))
    run = arc.runs.create(hello, {"name": "Ada"})
    assert run["status"] == "succeeded" and run["output"] == {"message": "Hello Ada"}
    assert arc.runs.create(hello, {"name": "Bo"}, wait=False)["status"] == "running"
    for i in range(3):
        arc.runs.create(hello, {"name": str(i)}, idempotency_key=f"k{i}")
    page = arc.executions.list(workflow=hello, limit=2)
    assert len(page["executions"]) == 2 and page["cursor"]
    ids = [e["id"] for e in arc.executions.iterate(workflow=hello, limit=2)]
    assert len(ids) >= 4 and len(set(ids)) == len(ids) and run["execution_id"] in ids
    assert arc.executions.get(run["execution_id"])["status"] == "succeeded"
    pause = n("pause")
    arc.workflows.deploy(pause, PAUSE.replace("name: pause", f"name: {pause}"))
    waiting = arc.runs.create(pause, {})
    task = waiting["nodes"]["hold"]["pending"]["task_id"]
    assert arc.executions.resume(waiting["execution_id"], task_id=task, result={"ok": 1})["status"] == "succeeded"
    with pytest.raises(ConflictError) as e:
        arc.executions.resume(run["execution_id"])
    assert e.value.status == 409
    assert arc.workflows.delete(hello)["deleted"] is True
    with pytest.raises(NotFoundError) as e:
        arc.workflows.get(hello)
    assert e.value.code == "WORKFLOW_NOT_FOUND"
    ops = {"deployWorkflow", "createRun", "listExecutions", "getExecution", "resumeExecution", "listWorkflowVersions"}
    assert ops <= set(checked_answers)


def test_idempotency_key_answers_the_first_execution(arc, n):
    name = n("py_once")
    arc.workflows.deploy(name, HELLO.replace("name: hello", f"name: {name}"))
    first = arc.runs.create(name, {"name": "Once"}, idempotency_key=n("key-1"))
    again = arc.runs.create(name, {"name": "Twice"}, idempotency_key=n("key-1"))
    assert again["execution_id"] == first["execution_id"] and again["idempotent_replay"] is True
    assert again["output"] == {"message": "Hello Once"}
    arc.webhooks.register(HELLO.replace("name: hello", f"name: {name}"))
    hook = arc.webhooks.trigger(name, {"name": "H"}, idempotency_key=n("hook-1"))
    assert arc.webhooks.trigger(name, {"name": "H2"}, idempotency_key=n("hook-1"))["execution_id"] == hook["execution_id"]
    with pytest.raises(BadRequestError) as e:
        arc.runs.create(name, {}, idempotency_key="no spaces")
    assert e.value.code == "INVALID_IDEMPOTENCY_KEY"


def test_tail_and_follow(arc, n):
    name = n("py_live")
    arc.workflows.deploy(name, HELLO.replace("name: hello", f"name: {name}"))
    before = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    run = arc.runs.create(name, {"name": "Tail"})
    page = arc.executions.tail(workflow=name, after=before)
    assert run["execution_id"] in [e["id"] for e in page["executions"]] and page["cursor"] > before
    assert arc.executions.tail(workflow=name, after=page["cursor"])["executions"] == []
    following = arc.executions.follow(interval=0.5, workflow=name, after=before)
    first = next(following)
    assert (first["id"], first["status"]) == (run["execution_id"], "succeeded")
    following.close()
    with pytest.raises(BadRequestError):
        arc.executions.tail(limit=0)


def test_rerun(arc, n, openapi):
    """The route lands with the recovery work; until the document has it there is nothing to call."""
    if "rerunExecution" not in {op["operationId"] for item in openapi["paths"].values() for op in item.values()}:
        pytest.skip("POST /v1/executions/{id}/rerun is not in this platform's /openapi.json yet")
    name = n("py_again")
    arc.workflows.deploy(name, HELLO.replace("name: hello", f"name: {name}"))
    first = arc.runs.create(name, {"name": "Re"})
    again = arc.executions.rerun(first["execution_id"], from_="start")
    assert again["execution_id"] != first["execution_id"] and again["output"] == first["output"]
    stored = arc.executions.get(again["execution_id"])
    assert stored["status"] == "succeeded" and stored["rerun_of"]["execution_id"] == first["execution_id"]


def test_deploy_exposure_consent(arc, n):
    name = n("py_outbound")
    yaml_text = (
        f"name: {name}\nflow:\n  - \"input >> ON_SUCCESS >> post\"\nconfig:\n"
        "  post: { component: http_request, method: POST, url: \"https://hooks.example.com/in\" }\n"
    )
    with pytest.raises(PermissionDeniedError) as e:
        arc.workflows.deploy(name, yaml_text)
    assert e.value.code == "EXPOSURE_CONSENT_REQUIRED"
    consent = {"confirmed_by_human": True, "understood": True, "confirmed_at": "2026-01-01T00:00:00.000Z"}
    assert arc.workflows.deploy(name, yaml_text, exposure_consent=consent)["version"] == 1


def test_catalog_keys_credentials(arc, make, platform, n):
    assert "set" in json.dumps(arc.components.list())
    assert arc.components.get("set")["name"] == "set"
    assert '"a": 1' in json.dumps(arc.components.call("set", {"values": {"a": 1}}))
    # A host of its own per run: a consent is stored per key, component and destinations.
    outbound = {"method": "GET", "url": f"https://c{time.time_ns()}.example.invalid/x"}
    with pytest.raises(PermissionDeniedError) as refused:
        arc.components.call("http_request", outbound)
    assert refused.value.code == "EXPOSURE_CONSENT_REQUIRED"
    consent = {"confirmed_by_human": True, "understood": True, "confirmed_at": "2026-01-01T00:00:00.000Z"}
    try:
        ran: Any = arc.components.call("http_request", outbound, exposure_consent=consent)
    except ArcrunError as err:  # the host does not resolve: the component's own failure, not a refusal
        ran = err.code
    assert "EXPOSURE_CONSENT_REQUIRED" not in json.dumps(ran)
    with pytest.raises(NotFoundError):
        arc.components.get("no_such_component")
    assert arc.recipes.seed()
    assert "slack" in json.dumps(arc.recipes.list("slack"))
    recipe = arc.recipes.get("slack_post")
    assert arc.recipes.review(recipe)
    assert "slack" in json.dumps(arc.auth_recipes.list())
    assert arc.auth_recipes.get("slack")["service"] == "slack"
    made = arc.keys.create("user", n("py"))
    user = make(platform["url"], made["api_key"], max_retries=0)
    assert user.whoami()["role"] == "user"
    with pytest.raises(PermissionDeniedError):
        user.keys.create("user")
    assert [k["label"] for k in user.keys.list()] == [n("py")]
    listed = arc.keys.list()
    assert made["api_key"] not in json.dumps(listed)
    key_id_ = next(k["id"] for k in listed if k["label"] == n("py"))
    revoked = arc.keys.revoke(key_id_)
    assert revoked["revoked"]["id"] == key_id_ and revoked["propagation_seconds"] >= 0
    with pytest.raises(AuthenticationError):
        user.whoami()
    with pytest.raises(NotFoundError):
        arc.keys.revoke("0123456789abcdef")
    assert arc.health()["ok"] is True
    assert arc.request("GET", "/v1/whoami")["ns"] == platform["ns"]
    cred = n("py_cred")
    arc.credentials.set(cred, "s3cr3t")
    assert cred in [c["name"] for c in arc.credentials.list()]
    assert arc.credentials.get(cred)["kid"] == arc.credentials.key()["kid"]
    assert arc.credentials.key(usage=True)["kid"]
    sealed = encrypt_credential(platform["encryptionKey"], n("py_sealed"), "from elsewhere")
    assert arc.credentials.set_envelope(sealed)["name"] == n("py_sealed")
    arc.credentials.delete(cred)
    with pytest.raises(NotFoundError):
        arc.credentials.get(cred)


def test_recipes_set_test_run(make, platform, n):
    """Recipes pushed with consent, tested and run against a local stand-in of Slack."""
    slack = _StandIn(
        lambda _n, _m, path, headers, body: (
            (200, {}, {"ok": True})
            if path == "/api/auth.test" and headers.get("authorization") == "Bearer xoxb-good"
            else (200, {}, {"ok": True, "channel": json.loads(body)["channel"], "ts": "1.2"})
            if path == "/api/chat.postMessage" and headers.get("authorization") == "Bearer xoxb-good"
            else (401, {}, {"ok": False})
        )
    )
    try:
        p = platform
        arc = make(p["url"], p["apiKey"], encryption_key=p["encryptionKey"])
        auth = json.loads((ROOT / "recipes" / "auth" / "slack.json").read_text("utf-8"))
        api = json.loads((ROOT / "recipes" / "api" / "slack_post.json").read_text("utf-8"))
        auth.update(base_url=f"{slack.url}/api", allowed_hosts=[slack.url[len("http://"):]])
        api.update(endpoint=f"{slack.url}/api/chat.postMessage")
        with pytest.raises(PermissionDeniedError):
            arc.auth_recipes.set("slack", {"recipe": auth})
        consent = {"confirmed_by_human": True, "understood": True, "confirmed_at": "2026-01-01T00:00:00.000Z"}
        assert arc.auth_recipes.set("slack", {"recipe": auth, "exposure_consent": consent})
        assert arc.recipes.set("slack_post", {"recipe": api, "exposure_consent": consent})
        good, bad = n("slack_good"), n("slack_bad")
        arc.credentials.set(good, "xoxb-good")
        arc.credentials.set(bad, "xoxb-bad")
        assert arc.recipes.test("slack_post", {"credential": good})["diagnosis"] == "OK"
        assert arc.auth_recipes.test("slack", {"credential": bad})["diagnosis"] == "BAD_CREDENTIAL"
        out = arc.recipes.run("slack_post", {"channel": "C1", "text": "hi", "credential": good})
        assert out["ok"] is True and out["channel"] == "C1" and "xoxb-good" not in json.dumps(out)
        with pytest.raises(UnprocessableError) as e:
            arc.recipes.run("slack_post", {"channel": "C1", "text": "hi"})
        assert e.value.status == 422 and e.value.code == "CREDENTIAL_REQUIRED"
    finally:
        slack.close()


def test_webhooks(arc, make, platform, n):
    secret = "whsec_py"
    arc.credentials.set(n("py_hook_secret"), secret)
    signed = n("py_signed")
    yaml_text = HELLO.replace("name: hello", f"name: {signed}")
    yaml_text += f"trigger:\n  webhook: {{ auth: hmac, secret: {n('py_hook_secret')} }}\n"
    assert arc.webhooks.register(yaml_text)["name"] == signed
    assert signed in json.dumps(arc.webhooks.list())
    assert "hmac" in json.dumps(arc.webhooks.definition(signed))
    assert arc.webhooks.trigger(signed, {"name": "Own"})["status"] == "succeeded"
    started = arc.webhooks.trigger(signed, {"name": "Later"}, wait=False)
    assert started["status"] == "running" and started["execution_id"]
    anon = make(platform["url"], "")
    assert anon.webhooks.trigger(signed, {"name": "S"}, ns=platform["ns"], secret=secret)["status"] == "succeeded"
    with pytest.raises(AuthenticationError):
        anon.webhooks.trigger(signed, {"name": "S"}, ns=platform["ns"], secret="wrong")
    q = n("py_q")
    arc.webhooks.register(HELLO.replace("name: hello", f"name: {q}"))
    assert arc.webhooks.query(q, {"name": "Q"}) == {"message": "Hello Q"}
    assert arc.webhooks.query(q, {"name": "G"}, method="GET") == {"message": "Hello G"}
    assert arc.webhooks.query(q, {"name": "N"}, ns=platform["ns"]) == {"message": "Hello N"}
    assert arc.webhooks.delete(signed)
    assert arc.webhooks.sign("k", "body") == sign("k", "body")
    assert sign("k", "body") == "sha256=" + hmac.new(b"k", b"body", hashlib.sha256).hexdigest()


def test_bad_request_and_authentication(arc, make, platform):
    with pytest.raises(BadRequestError) as e:
        arc.executions.list(limit=0)
    assert e.value.code == "VALIDATION_FAILED"
    with pytest.raises(AuthenticationError) as e:
        make(platform["url"], "acr_nope").whoami()
    assert e.value.code == "UNAUTHORIZED"


def test_the_model_check_can_fail():
    from conform import problems

    assert problems({"execution_id": "x", "status": "running"}, models.RESPONSES["createRun"][202]) == []
    assert problems({"execution_id": 1, "status": "done"}, models.ExecutionAccepted) == [
        "$.execution_id: expected str, got 1",
        "$.status: 'done' not in ('running',)",
    ]
    assert problems({"status": "running"}, models.ExecutionAccepted) == [
        "$.execution_id: required by ExecutionAccepted, missing"
    ]


class _StandIn:
    """Answers from a script on 127.0.0.1: statuses the platform cannot be made to give on demand, and outside
    services. ``answers(n, method, path, headers, body)`` -> (status, headers, json); status 0 hangs."""

    def __init__(self, answers):
        self.answers, self.seen = answers, []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def _go(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                outer.seen.append((self.command, headers))
                status, extra, payload = outer.answers(len(outer.seen), self.command, self.path, headers, body)
                if status == 0:
                    time.sleep(2)
                    return
                self.send_response(status)
                for k, v in {"content-type": "application/json", **extra}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(json.dumps(payload).encode())

            do_GET = do_POST = _go

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


LIMITED = {"error": {"code": "RATE_LIMITED", "message": "slow down"}}
DOWN = {"error": {"code": "UNAVAILABLE", "message": "down"}}


def test_retries_idempotent_only_honouring_retry_after(make):
    s = _StandIn(
        lambda n, m, *_: (429, {"retry-after": "1"}, LIMITED)
        if (m, n) == ("GET", 1)
        else (200, {}, {"ns": "x"})
        if m == "GET"
        else (503, {}, DOWN)
    )
    try:
        c = make(s.url, "k")
        t0 = time.time()
        assert c.whoami() == {"ns": "x"}
        assert time.time() - t0 >= 0.95
        with pytest.raises(ServerError):
            c.runs.create("w", {})
        with pytest.raises(ServerError):
            c.webhooks.trigger("w", {})
        assert [m for m, _ in s.seen] == ["GET", "GET", "POST", "POST"]
    finally:
        s.close()


def test_runs_and_triggers_retry_only_with_an_idempotency_key(make):
    s = _StandIn(lambda *_: (503, {}, DOWN))
    try:
        c = make(s.url, "k", max_retries=1)
        with pytest.raises(ServerError):
            c.runs.create("w", {}, idempotency_key="run-1")
        with pytest.raises(ServerError):
            c.webhooks.trigger("w", {}, idempotency_key="hook-1")
        assert [h.get("idempotency-key") for _, h in s.seen] == ["run-1", "run-1", "hook-1", "hook-1"]
    finally:
        s.close()


def test_5xx_backoff_and_retry_after_limits(make):
    s = _StandIn(lambda n, *_: (502, {}, DOWN) if n < 3 else (200, {}, {"ok": 1}))
    try:
        assert make(s.url, "k", max_retries=2).request("GET", "/v1/whoami") == {"ok": 1}
        assert len(s.seen) == 3
    finally:
        s.close()
    at = email.utils.formatdate(time.time() + 120, usegmt=True)
    s = _StandIn(lambda *_: (429, {"retry-after": at}, LIMITED))
    try:
        t0 = time.time()
        with pytest.raises(RateLimitError) as e:
            make(s.url, "k", max_retry_delay=5).whoami()
        assert 100 < e.value.retry_after <= 120 and time.time() - t0 < 2 and len(s.seen) == 1
    finally:
        s.close()


def test_rate_limit_unprocessable_timeout(make):
    s = _StandIn(
        lambda n, m, *_: (429, {"retry-after": "7"}, LIMITED)
        if m == "GET"
        else (422, {}, {"error": {"code": "WORKFLOW_FAILED", "message": "x"}})
    )
    try:
        c = make(s.url, "k", max_retries=0)
        with pytest.raises(RateLimitError) as e:
            c.whoami()
        assert e.value.retry_after == 7
        with pytest.raises(UnprocessableError):
            c.webhooks.query("w")
    finally:
        s.close()
    hang = _StandIn(lambda *_: (0, {}, None))
    try:
        with pytest.raises(ConnectionError) as e:
            make(hang.url, "k", timeout=0.3, max_retries=0).whoami()
        assert e.value.code == "TIMEOUT"
    finally:
        hang.close()


def test_unreachable_names_the_url(make):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectionError) as e:
        make(f"http://127.0.0.1:{port}", "k", max_retries=0).whoami()
    assert e.value.code == "UNREACHABLE" and f"127.0.0.1:{port}" in str(e.value)


def test_async_calls_cancel_with_asyncio():
    """The asyncio way to abort: a timeout or task.cancel() ends the call (and its retries) at once."""
    hang = _StandIn(lambda *_: (0, {}, None))

    async def go():
        async with AsyncClient(hang.url, "k", timeout=30) as arc:
            t0 = time.time()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(arc.whoami(), 0.3)
            return time.time() - t0

    try:
        assert asyncio.run(go()) < 1.5
    finally:
        hang.close()


def test_every_operation_id_has_a_method(platform):
    with urllib.request.urlopen(f"{platform['url']}/openapi.json", timeout=30) as res:
        doc = json.loads(res.read())
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) >= 42
    missing = [i for i in ids if i not in OPERATIONS and i not in EXCLUDED]
    assert missing == [], "operationIds without a Python SDK method: add them to OPERATIONS in client.py"
    c = Client(platform["url"], "k")
    for op, path in OPERATIONS.items():
        target = c
        for part in path.split("."):
            target = getattr(target, part)
        assert callable(target), op


# The response fields the SDK reads itself (everything else is handed back as the platform's JSON).
PICKED = {
    "listWorkflows": ["workflows"],
    "listWorkflowVersions": ["versions"],
    "listCredentials": ["credentials"],
    "listExecutions": ["executions", "cursor"],
    "listKeys": ["keys"],
}


def test_fields_the_sdk_reads_are_in_the_document(platform):
    with urllib.request.urlopen(f"{platform['url']}/openapi.json", timeout=30) as res:
        doc = json.loads(res.read())
    ops = {op["operationId"]: op for item in doc["paths"].values() for op in item.values()}
    for op_id, fields in PICKED.items():
        schema = ops[op_id]["responses"]["200"]["content"]["application/json"]["schema"]
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        assert set(fields) <= set(schema["properties"]), op_id
        assert set(fields) <= set(schema.get("required", [])), op_id
