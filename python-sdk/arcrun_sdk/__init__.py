"""arcrun_sdk: the arcrun API from Python (sync and asyncio, on httpx), credentials encrypted on the client."""

from . import models
from .client import OPERATIONS, AsyncClient, Client, sign
from .envelope import (
    AAD_PREFIX,
    CredentialCryptoError,
    Envelope,
    decrypt_credential,
    encrypt_credential,
    generate_key,
    key_id,
)
from .errors import (
    ArcrunError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableError,
)

__all__ = [
    "AAD_PREFIX",
    "OPERATIONS",
    "ArcrunError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "ConnectionError",
    "CredentialCryptoError",
    "Envelope",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "UnprocessableError",
    "decrypt_credential",
    "encrypt_credential",
    "generate_key",
    "key_id",
    "models",
    "sign",
]
