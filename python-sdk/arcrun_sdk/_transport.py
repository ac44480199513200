"""HTTP on httpx: auth, JSON, typed errors, timeouts, and retries of idempotent calls on 429/5xx."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, Optional

import httpx

from .errors import ArcrunError, ConnectionError, RateLimitError, error_for


@dataclass
class Req:
    """One API call, described once and sent by the sync or the async transport."""

    method: str
    path: str
    query: Optional[Dict[str, Any]] = None
    body: Any = None
    content_type: Optional[str] = None
    headers: Dict[str, str] = field(default_factory=dict)
    idempotent: Optional[bool] = None
    pick: Optional[Callable[[Any], Any]] = None

    def safe(self) -> bool:
        return self.idempotent if self.idempotent is not None else self.method not in ("POST", "PATCH")


def _retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class _Base:
    def __init__(self, url: str, api_key: str, timeout: float, max_retries: int, max_retry_delay: float) -> None:
        self.url = url.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout
        self._max_retries = max_retries
        self._max_retry_delay = max_retry_delay

    def _build(self, r: Req) -> Dict[str, Any]:
        auth = {"authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        headers = {**auth, "accept": "application/json", **r.headers}
        content = None
        if r.body is not None:
            content = r.body.encode("utf-8") if isinstance(r.body, str) else json.dumps(r.body).encode("utf-8")
            headers["content-type"] = r.content_type or ("text/plain" if isinstance(r.body, str) else "application/json")
        query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in (r.query or {}).items() if v is not None}
        return {"method": r.method, "url": self.url + r.path, "params": query, "content": content, "headers": headers}

    def _result(self, r: Req, res: httpx.Response) -> Any:
        try:
            data = res.json() if res.content else None
        except ValueError:
            data = res.text
        if res.status_code >= 400:
            err = dict((data or {}).get("error") or {}) if isinstance(data, dict) else {}
            code = err.pop("code", f"HTTP_{res.status_code}")
            message = err.pop("message", f"{r.method} {r.path} answered HTTP {res.status_code}")
            e = error_for(res.status_code, code, message, err)
            if isinstance(e, RateLimitError):
                e.retry_after = _retry_after(res.headers.get("retry-after"))
            raise e
        return r.pick(data) if r.pick else data

    def _delay(self, r: Req, err: ArcrunError, attempt: int) -> Optional[float]:
        if not r.safe() or attempt >= self._max_retries:
            return None
        if not (err.status == 429 or err.status >= 500 or err.code == "UNREACHABLE"):
            return None
        wait = min(8.0, 0.25 * 2**attempt) * (0.5 + random.random() / 2)
        if isinstance(err, RateLimitError) and err.retry_after is not None:
            wait = err.retry_after
        return None if wait > self._max_retry_delay else wait

    def _unreachable(self, exc: Exception, r: Req) -> ArcrunError:
        if isinstance(exc, httpx.TimeoutException):
            return ConnectionError(0, "TIMEOUT", f"{r.method} {r.path} got no answer within {self._timeout} s")
        return ConnectionError(0, "UNREACHABLE", f"Cannot reach the arcrun platform at {self.url}: {exc}")


class SyncTransport(_Base):
    def __init__(self, *args: Any, client: Optional[httpx.Client] = None) -> None:
        super().__init__(*args)
        self._http = client or httpx.Client(timeout=self._timeout)

    def __call__(self, r: Req) -> Any:
        attempt = 0
        while True:
            try:
                try:
                    res = self._http.request(**self._build(r))
                except httpx.HTTPError as exc:
                    raise self._unreachable(exc, r) from None
                return self._result(r, res)
            except ArcrunError as err:
                delay = self._delay(r, err, attempt)
                if delay is None:
                    raise
                time.sleep(delay)
                attempt += 1

    def close(self) -> None:
        self._http.close()


class AsyncTransport(_Base):
    def __init__(self, *args: Any, client: Optional[httpx.AsyncClient] = None) -> None:
        super().__init__(*args)
        self._http = client or httpx.AsyncClient(timeout=self._timeout)

    async def __call__(self, r: Req) -> Any:
        attempt = 0
        while True:
            try:
                try:
                    res = await self._http.request(**self._build(r))
                except httpx.HTTPError as exc:
                    raise self._unreachable(exc, r) from None
                return self._result(r, res)
            except ArcrunError as err:
                delay = self._delay(r, err, attempt)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
                attempt += 1

    async def aclose(self) -> None:
        await self._http.aclose()
