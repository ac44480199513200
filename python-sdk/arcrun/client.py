"""A small client of the arcrun API (standard library only: urllib)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Optional

from .envelope import Envelope, encrypt_credential


class ArcrunError(Exception):
    """An error answered by the platform: ``status``, ``code`` (UPPER_SNAKE) and the error's details."""

    def __init__(self, status: int, code: str, message: str, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details or {}


class Client:
    """The arcrun API with credentials encrypted before they leave this process.

    >>> arc = Client("http://127.0.0.1:8787", "acr_...", encryption_key="...")  # doctest: +SKIP
    >>> arc.put_credential("github", token)  # doctest: +SKIP
    """

    def __init__(self, url: str, api_key: str, encryption_key: Optional[str] = None, timeout: float = 30) -> None:
        self.url = url.rstrip("/")
        self._api_key = api_key
        self._encryption_key = encryption_key
        self._timeout = timeout

    def request(self, method: str, path: str, body: Any = None, content_type: Optional[str] = None) -> Any:
        headers = {"authorization": f"Bearer {self._api_key}", "accept": "application/json"}
        data = None
        if body is not None:
            data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
            headers["content-type"] = content_type or ("text/plain" if isinstance(body, str) else "application/json")
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self._timeout) as res:
                text = res.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                err = dict(json.loads(text).get("error") or {})
            except ValueError:
                err = {}
            code = err.pop("code", f"HTTP_{e.code}")
            message = err.pop("message", f"{method} {path} answered HTTP {e.code}")
            raise ArcrunError(e.code, code, message, err) from None
        except urllib.error.URLError as e:
            raise ArcrunError(0, "UNREACHABLE", f"Cannot reach the arcrun platform at {self.url}: {e.reason}") from None
        return json.loads(text) if text else None

    def whoami(self) -> Dict[str, Any]:
        return self.request("GET", "/v1/whoami")

    def platform_key(self) -> Dict[str, Optional[str]]:
        """Ids of the platform's key and, during a rotation, of the next key."""
        return self.request("GET", "/v1/credentials/key")

    def put_credential(self, name: str, secret: str, encryption_key: Optional[str] = None) -> Dict[str, Any]:
        """Encrypts ``secret`` locally and stores it as credential ``name``."""
        key = encryption_key or self._encryption_key
        if not key:
            raise ArcrunError(0, "ENCRYPTION_KEY_MISSING", "No encryption key: pass encryption_key to Client")
        return self.put_envelope(encrypt_credential(key, name, secret))

    def put_envelope(self, envelope: Envelope) -> Dict[str, Any]:
        return self.request("PUT", f"/v1/credentials/{_q(envelope['name'])}", dict(envelope))

    def list_credentials(self) -> List[Dict[str, Any]]:
        return self.request("GET", "/v1/credentials")["credentials"]

    def delete_credential(self, name: str) -> None:
        self.request("DELETE", f"/v1/credentials/{_q(name)}")

    def deploy_workflow(self, name: str, yaml_text: str) -> Any:
        return self.request("PUT", f"/v1/workflows/{_q(name)}", yaml_text, "application/yaml")

    def run_workflow(self, name: str, input: Any = None) -> Any:
        return self.request("POST", f"/v1/workflows/{_q(name)}/runs", {} if input is None else input)


def _q(name: str) -> str:
    return urllib.parse.quote(name, safe="")
