"""arcrun: the arcrun API from Python, with credentials encrypted on the client."""

from .client import ArcrunError, Client
from .envelope import (
    AAD_PREFIX,
    CredentialCryptoError,
    Envelope,
    decrypt_credential,
    encrypt_credential,
    generate_key,
    key_id,
)

__all__ = [
    "AAD_PREFIX",
    "ArcrunError",
    "Client",
    "CredentialCryptoError",
    "Envelope",
    "decrypt_credential",
    "encrypt_credential",
    "generate_key",
    "key_id",
]
