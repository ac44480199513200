"""Typed errors: one class per kind of answer, each carrying the platform's ``code``."""

from __future__ import annotations

from typing import Any, Dict, Optional


class ArcrunError(Exception):
    """An error answered by the platform (``status``, ``code`` UPPER_SNAKE, ``details``) or raised here."""

    def __init__(self, status: int, code: str, message: str, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details or {}


class BadRequestError(ArcrunError):
    """400: malformed request (VALIDATION_FAILED, INVALID_JSON, ...)."""


class AuthenticationError(ArcrunError):
    """401: no or unknown API key, bad signature."""


class PermissionDeniedError(ArcrunError):
    """403: the key may not do this."""


class NotFoundError(ArcrunError):
    """404: no such workflow, execution, credential, ..."""


class ConflictError(ArcrunError):
    """409: the state forbids it (CREDENTIAL_KEY_MISMATCH, resuming a finished execution)."""


class UnprocessableError(ArcrunError):
    """413/422: understood but refused."""


class RateLimitError(ArcrunError):
    """429: slow down; ``retry_after`` seconds from Retry-After when sent."""

    retry_after: Optional[float] = None


class ServerError(ArcrunError):
    """5xx: the platform failed."""


class ConnectionError(ArcrunError):  # noqa: A001 - the SDK's own kind, exported as arcrun_sdk.ConnectionError
    """No answer (UNREACHABLE) or none in time (TIMEOUT): status 0."""


def error_for(status: int, code: str, message: str, details: Dict[str, Any]) -> ArcrunError:
    kind = {
        400: BadRequestError,
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
        409: ConflictError,
        413: UnprocessableError,
        422: UnprocessableError,
        429: RateLimitError,
    }.get(status, ServerError if status >= 500 else ArcrunError)
    return kind(status, code, message, details)
