"""``Client`` (sync) and ``AsyncClient`` over one description of every call (``_transport.Req``).

Each resource method returns what the transport returns: a value for ``Client``, an awaitable for
``AsyncClient``. Method names follow the JS SDK; ``OPERATIONS`` maps each operationId of the platform's
OpenAPI document to its method (the coverage test checks it).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import urllib.parse
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Dict, Iterator, Optional, Union

from ._transport import AsyncTransport, Req, SyncTransport
from .envelope import Envelope, encrypt_credential, key_id
from .errors import ArcrunError


def _q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def sign(secret: str, body: Union[str, bytes]) -> str:
    """``X-Arcrun-Signature`` for a signed (auth: hmac) webhook: ``sha256=<hex HMAC-SHA256 of the raw body>``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return "sha256=" + hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


class _Resource:
    def __init__(self, send: Any) -> None:
        self._send = send


class Workflows(_Resource):
    def deploy(self, name: str, yaml_text: str, exposure_consent: Union[str, Dict[str, Any], None] = None) -> Any:
        """A new version; ``exposure_consent`` (a dict or its JSON) when its steps send data to new hosts."""
        c = exposure_consent
        h = {"x-arcrun-exposure-consent": c if isinstance(c, str) else json.dumps(c)} if c else {}
        return self._send(Req("PUT", f"/v1/workflows/{_q(name)}", body=yaml_text, content_type="application/yaml", headers=h))

    def list(self) -> Any:
        return self._send(Req("GET", "/v1/workflows", pick=lambda d: d["workflows"]))

    def get(self, name: str, version: Optional[int] = None) -> Any:
        return self._send(Req("GET", f"/v1/workflows/{_q(name)}", query={"version": version}))

    def versions(self, name: str) -> Any:
        return self._send(Req("GET", f"/v1/workflows/{_q(name)}/versions", pick=lambda d: d["versions"]))

    def delete(self, name: str) -> Any:
        return self._send(Req("DELETE", f"/v1/workflows/{_q(name)}"))

    def validate(self, yaml_text: str) -> Any:
        return self._send(Req("POST", "/validate", body=yaml_text, content_type="application/yaml", idempotent=True))

    def compile(self, triplets: Any) -> Any:
        return self._send(Req("POST", "/cypher/search", body={"mode": "compile", "triplets": triplets}, idempotent=True))


class Runs(_Resource):
    def create(self, name: str, input: Any = None, wait: bool = True, idempotency_key: Optional[str] = None) -> Any:
        """Runs a workflow; waits for the result unless ``wait=False``. Retried only with ``idempotency_key``
        (sent as ``Idempotency-Key``: a repeat answers the first execution with ``idempotent_replay: True``)."""
        h = {"idempotency-key": idempotency_key} if idempotency_key else {}
        return self._send(
            Req(
                "POST",
                f"/v1/workflows/{_q(name)}/runs",
                query={"wait": None if wait else "false"},
                body={} if input is None else input,
                headers=h,
                idempotent=bool(idempotency_key),
            )
        )


class Executions(_Resource):
    def list(self, **query: Any) -> Any:
        """One page (``executions``, ``cursor``); filters: workflow, status, limit, cursor."""
        return self._send(Req("GET", "/v1/executions", query=query))

    def get(self, id: str) -> Any:
        return self._send(Req("GET", f"/v1/executions/{_q(id)}"))

    def resume(self, id: str, task_id: Optional[str] = None, result: Any = None) -> Any:
        body: Dict[str, Any] = {} if task_id is None else {"task_id": task_id, "result": result}
        return self._send(Req("POST", f"/v1/executions/{_q(id)}/resume", body=body))

    def tail(self, **query: Any) -> Any:
        """``GET /v1/tail``: executions started or updated after ``after`` (an ISO time, the previous ``cursor``)."""
        return self._send(Req("GET", "/v1/tail", query=query))

    def rerun(self, id: str, from_: Optional[str] = None, version: Optional[str] = None) -> Any:
        """A new execution with the same input: ``from_`` is "start", "failed" or a node id; ``version``
        is "original" or "current"."""
        body: Dict[str, Any] = {}
        if from_ is not None:
            body["from"] = from_
        if version is not None:
            body["version"] = version
        return self._send(Req("POST", f"/v1/executions/{_q(id)}/rerun", body=body))


class Credentials(_Resource):
    def __init__(self, send: Any, encryption_key: Optional[str]) -> None:
        super().__init__(send)
        self._key = encryption_key

    def set(self, name: str, secret: str, encryption_key: Optional[str] = None) -> Any:
        """Encrypts ``secret`` here (AES-GCM-256) and stores the envelope."""
        key = encryption_key or self._key
        if not key:
            raise ArcrunError(0, "ENCRYPTION_KEY_MISSING", "No encryption key: pass encryption_key to the client")
        return self.set_envelope(encrypt_credential(key, name, secret))

    def set_envelope(self, envelope: Envelope) -> Any:
        return self._send(Req("PUT", f"/v1/credentials/{_q(envelope['name'])}", body=dict(envelope)))

    def list(self) -> Any:
        return self._send(Req("GET", "/v1/credentials", pick=lambda d: d["credentials"]))

    def get(self, name: str) -> Any:
        return self._send(Req("GET", f"/v1/credentials/{_q(name)}"))

    def delete(self, name: str) -> Any:
        return self._send(Req("DELETE", f"/v1/credentials/{_q(name)}"))

    def key(self, usage: bool = False) -> Any:
        return self._send(Req("GET", "/v1/credentials/key", query={"usage": 1 if usage else None}))


class Recipes(_Resource):
    def list(self, q: Optional[str] = None) -> Any:
        return self._send(Req("GET", "/v1/recipes", query={"q": q}))

    def get(self, id: str) -> Any:
        return self._send(Req("GET", f"/v1/recipes/{_q(id)}"))

    def set(self, id: str, push: Dict[str, Any]) -> Any:
        return self._send(Req("PUT", f"/v1/recipes/{_q(id)}", body=push))

    def review(self, recipe: Dict[str, Any]) -> Any:
        return self._send(Req("POST", "/v1/recipes/review", body={"recipe": recipe}, idempotent=True))

    def test(self, id: str, check: Optional[Dict[str, Any]] = None) -> Any:
        return self._send(Req("POST", f"/v1/recipes/{_q(id)}/test", body=check or {}))

    def run(self, id: str, input: Optional[Dict[str, Any]] = None) -> Any:
        return self._send(Req("POST", f"/v1/recipes/{_q(id)}/run", body={"input": input or {}}))

    def seed(self) -> Any:
        return self._send(Req("POST", "/v1/init/seed", idempotent=True))


class AuthRecipes(_Resource):
    def list(self) -> Any:
        return self._send(Req("GET", "/v1/auth-recipes"))

    def get(self, service: str) -> Any:
        return self._send(Req("GET", f"/v1/auth-recipes/{_q(service)}"))

    def set(self, service: str, push: Dict[str, Any]) -> Any:
        return self._send(Req("PUT", f"/v1/auth-recipes/{_q(service)}", body=push))

    def test(self, service: str, check: Optional[Dict[str, Any]] = None) -> Any:
        return self._send(Req("POST", f"/v1/auth-recipes/{_q(service)}/test", body=check or {}))


class Components(_Resource):
    def list(self) -> Any:
        return self._send(Req("GET", "/v1/components"))

    def get(self, name: str) -> Any:
        return self._send(Req("GET", f"/v1/components/{_q(name)}"))

    def call(self, name: str, input: Any, exposure_consent: Union[str, Dict[str, Any], None] = None) -> Any:
        """One call of a component; one that can send data out needs ``exposure_consent``, as a deploy does."""
        c = exposure_consent
        h = {"x-arcrun-exposure-consent": c if isinstance(c, str) else json.dumps(c)} if c else {}
        return self._send(Req("POST", f"/v1/components/{_q(name)}/call", body={"input": input}, headers=h))


class Keys(_Resource):
    def create(self, role: str = "user", label: Optional[str] = None) -> Any:
        body = {"role": role, **({"label": label} if label else {})}
        return self._send(Req("POST", "/v1/keys", body=body))

    def list(self) -> Any:
        """``GET /v1/keys``: the keys, never a secret (an admin key sees all, a user key itself)."""
        return self._send(Req("GET", "/v1/keys", pick=lambda d: d["keys"]))

    def revoke(self, id: str) -> Any:
        """``DELETE /v1/keys/{id}`` with an id from ``list()``: refused everywhere within ``propagation_seconds``."""
        return self._send(Req("DELETE", f"/v1/keys/{_q(id)}"))

    def whoami(self) -> Any:
        return self._send(Req("GET", "/v1/whoami"))


class Webhooks(_Resource):
    sign = staticmethod(sign)

    def register(self, definition: Union[str, Dict[str, Any]]) -> Any:
        ct = "application/yaml" if isinstance(definition, str) else None
        return self._send(Req("POST", "/webhooks/named", body=definition, content_type=ct, idempotent=True))

    def list(self) -> Any:
        return self._send(Req("GET", "/webhooks/named"))

    def definition(self, name: str) -> Any:
        return self._send(Req("GET", f"/webhooks/named/{_q(name)}/definition"))

    def delete(self, name: str) -> Any:
        return self._send(Req("DELETE", f"/webhooks/named/{_q(name)}"))

    def trigger(
        self,
        name: str,
        input: Any = None,
        ns: Optional[str] = None,
        secret: Optional[str] = None,
        wait: bool = True,
        idempotency_key: Optional[str] = None,
    ) -> Any:
        """As the owner, or with ``ns`` the public route (signed with ``secret`` for hmac triggers); ``wait=False``
        answers 202 at once with the execution id. Retried only with ``idempotency_key``."""
        body = json.dumps({} if input is None else input)
        path = f"/webhooks/named/{_q(ns)}/{_q(name)}/trigger" if ns else f"/webhooks/named/{_q(name)}/trigger"
        h = {"x-arcrun-signature": sign(secret, body)} if secret else {}
        if idempotency_key:
            h["idempotency-key"] = idempotency_key
        q = {"async": None if wait else "true"}
        r = Req("POST", path, query=q, body=body, content_type="application/json", headers=h)
        r.idempotent = bool(idempotency_key)
        return self._send(r)

    def query(self, name: str, input: Optional[Dict[str, Any]] = None, method: str = "POST", ns: Optional[str] = None) -> Any:
        if ns or method == "GET":
            path = f"/q/{_q(ns)}/{_q(name)}" if ns else f"/webhooks/named/{_q(name)}/query"
            return self._send(Req("GET", path, query=input or {}, idempotent=False))
        return self._send(Req("POST", f"/webhooks/named/{_q(name)}/query", body=input or {}))


class _ClientBase:
    def _wire(self, send: Any, encryption_key: Optional[str]) -> None:
        self._send = send
        self.workflows = Workflows(send)
        self.runs = Runs(send)
        self.credentials = Credentials(send, encryption_key)
        self.recipes = Recipes(send)
        self.auth_recipes = AuthRecipes(send)
        self.components = Components(send)
        self.keys = Keys(send)
        self.webhooks = Webhooks(send)

    def health(self) -> Any:
        return self._send(Req("GET", "/health"))

    def request(self, method: str, path: str, body: Any = None, query: Optional[Dict[str, Any]] = None) -> Any:
        """Any route, with the client's auth, errors, timeout and retry rules: the escape hatch."""
        return self._send(Req(method.upper(), path, query=query, body=body))

    def whoami(self) -> Any:
        return self.keys.whoami()


class SyncExecutions(Executions):
    def iterate(self, **query: Any) -> Iterator[Dict[str, Any]]:
        """Every execution matching the filters, page after page."""
        while True:
            page = self.list(**query)
            yield from page["executions"]
            if not page.get("cursor"):
                return
            query["cursor"] = page["cursor"]


    def follow(self, interval: float = 2, **query: Any) -> Iterator[Dict[str, Any]]:
        """Executions live (what ``acr tail`` does): polls ``tail`` every ``interval`` seconds (one KV list each)
        from ``after`` (default now), yielding each execution once per change of status; break to stop."""
        seen: Dict[str, str] = {}
        query.setdefault("after", _now())
        while True:
            page = self.tail(**query)
            for ex in page["executions"]:
                if _changed(seen, ex):
                    yield ex
            query["after"] = page["cursor"]
            time.sleep(max(0.5, interval))


class AsyncExecutions(Executions):
    async def iterate(self, **query: Any) -> AsyncIterator[Dict[str, Any]]:
        """Every execution matching the filters, page after page."""
        while True:
            page = await self.list(**query)
            for ex in page["executions"]:
                yield ex
            if not page.get("cursor"):
                return
            query["cursor"] = page["cursor"]

    async def follow(self, interval: float = 2, **query: Any) -> AsyncIterator[Dict[str, Any]]:
        """Executions live, as ``Client.executions.follow``; break or cancel the task to stop."""
        seen: Dict[str, str] = {}
        query.setdefault("after", _now())
        while True:
            page = await self.tail(**query)
            for ex in page["executions"]:
                if _changed(seen, ex):
                    yield ex
            query["after"] = page["cursor"]
            await asyncio.sleep(max(0.5, interval))


def _now() -> str:
    """Now as the platform writes times (JavaScript's toISOString), so cursors compare as strings."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _changed(seen: Dict[str, str], ex: Dict[str, Any]) -> bool:
    mark = f"{ex.get('updated_at')}:{ex.get('status')}"
    if seen.get(str(ex.get("id"))) == mark:
        return False
    seen[str(ex.get("id"))] = mark
    return True


class Client(_ClientBase):
    """The arcrun API, synchronously, with credentials encrypted before they leave this process.

    >>> arc = Client("http://127.0.0.1:8787", "acr_...", encryption_key="...")  # doctest: +SKIP
    >>> arc.credentials.set("github", token)  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        encryption_key: Optional[str] = None,
        timeout: float = 60,
        max_retries: int = 2,
        max_retry_delay: float = 30,
    ) -> None:
        self._t = SyncTransport(url, api_key, timeout, max_retries, max_retry_delay)
        self.url = self._t.url
        self._wire(self._t, encryption_key)
        self.executions = SyncExecutions(self._t)

    def key_matches(self, encryption_key: Optional[str] = None) -> bool:
        key = encryption_key or self.credentials._key
        if not key:
            return False
        platform = self.credentials.key()
        return key_id(key) in (platform.get("kid"), platform.get("next_kid"))

    # Names of earlier versions.
    def platform_key(self) -> Any:
        return self.credentials.key()

    def put_credential(self, name: str, secret: str, encryption_key: Optional[str] = None) -> Any:
        return self.credentials.set(name, secret, encryption_key)

    def list_credentials(self) -> Any:
        return self.credentials.list()

    def delete_credential(self, name: str) -> Any:
        return self.credentials.delete(name)

    def deploy_workflow(self, name: str, yaml_text: str) -> Any:
        return self.workflows.deploy(name, yaml_text)

    def run_workflow(self, name: str, input: Any = None) -> Any:
        return self.runs.create(name, input)

    def close(self) -> None:
        self._t.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncClient(_ClientBase):
    """The same API for asyncio: every method returns an awaitable.

    >>> async with AsyncClient(url, api_key) as arc:  # doctest: +SKIP
    ...     await arc.runs.create("hello", {"name": "Ada"})
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        encryption_key: Optional[str] = None,
        timeout: float = 60,
        max_retries: int = 2,
        max_retry_delay: float = 30,
    ) -> None:
        self._t = AsyncTransport(url, api_key, timeout, max_retries, max_retry_delay)
        self.url = self._t.url
        self._wire(self._t, encryption_key)
        self.executions = AsyncExecutions(self._t)

    async def aclose(self) -> None:
        await self._t.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


# operationId -> method (same table as the JS SDK's OPERATIONS).
OPERATIONS: Dict[str, str] = {
    "getHealth": "health",
    "getWhoami": "whoami",
    "createKey": "keys.create",
    "listKeys": "keys.list",
    "revokeKey": "keys.revoke",
    "listWorkflows": "workflows.list",
    "getWorkflow": "workflows.get",
    "deployWorkflow": "workflows.deploy",
    "deleteWorkflow": "workflows.delete",
    "listWorkflowVersions": "workflows.versions",
    "validateWorkflow": "workflows.validate",
    "compileFlow": "workflows.compile",
    "createRun": "runs.create",
    "listExecutions": "executions.list",
    "getExecution": "executions.get",
    "resumeExecution": "executions.resume",
    "tailExecutions": "executions.tail",
    "rerunExecution": "executions.rerun",
    "listCredentials": "credentials.list",
    "getCredential": "credentials.get",
    "setCredential": "credentials.set",
    "deleteCredential": "credentials.delete",
    "getCredentialKey": "credentials.key",
    "listComponents": "components.list",
    "getComponent": "components.get",
    "callComponent": "components.call",
    "listRecipes": "recipes.list",
    "getRecipe": "recipes.get",
    "setRecipe": "recipes.set",
    "reviewRecipe": "recipes.review",
    "testRecipe": "recipes.test",
    "runRecipe": "recipes.run",
    "seedRecipes": "recipes.seed",
    "listAuthRecipes": "auth_recipes.list",
    "getAuthRecipe": "auth_recipes.get",
    "setAuthRecipe": "auth_recipes.set",
    "testAuthRecipe": "auth_recipes.test",
    "listWebhooks": "webhooks.list",
    "registerWebhook": "webhooks.register",
    "deleteWebhook": "webhooks.delete",
    "getWebhookDefinition": "webhooks.definition",
    "triggerWebhook": "webhooks.trigger",
    "triggerWebhookByNamespace": "webhooks.trigger",
    "queryWebhook": "webhooks.query",
    "queryWebhookGet": "webhooks.query",
    "queryWebhookByNamespace": "webhooks.query",
}
