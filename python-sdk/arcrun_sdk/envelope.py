"""The credential envelope of docs/credentials.md, with the `cryptography` library.

AES-GCM-256, 12-byte random iv, AAD = UTF-8 of ``arcrun:cred:v1:`` + name, ``encrypted`` = ciphertext
followed by the 16-byte tag, base64 standard padded, ``kid`` = first 8 hex chars of SHA-256 of the raw key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from typing import Optional, TypedDict

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AAD_PREFIX = "arcrun:cred:v1:"


class Envelope(TypedDict, total=False):
    name: str
    encrypted: str
    iv: str
    kid: str


class CredentialCryptoError(Exception):
    """A key or envelope is unusable; ``code`` matches the platform's error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _raw_key(b64_key: str) -> bytes:
    try:
        raw = base64.b64decode(b64_key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CredentialCryptoError("INVALID_ENCRYPTION_KEY", "The encryption key is not base64") from None
    if len(raw) != 32:
        raise CredentialCryptoError(
            "INVALID_ENCRYPTION_KEY", f"The encryption key must be 32 bytes in base64, got {len(raw)} bytes"
        )
    return raw


def key_id(b64_key: str) -> str:
    """The key id: first 8 hex chars of SHA-256 of the raw key.

    >>> key_id(base64.b64encode(bytes(range(32))).decode())
    '630dcd29'
    """
    return hashlib.sha256(_raw_key(b64_key)).hexdigest()[:8]


def generate_key() -> str:
    """A fresh random 32-byte key, base64 (what ARCRUN_ENCRYPTION_KEY holds)."""
    return base64.b64encode(os.urandom(32)).decode()


def encrypt_credential(b64_key: str, name: str, plaintext: str, iv: Optional[bytes] = None) -> Envelope:
    """Encrypts ``plaintext`` for credential ``name``; ``iv`` is for test vectors only.

    >>> env = encrypt_credential(generate_key(), "github", "ghp_x")
    >>> sorted(env)
    ['encrypted', 'iv', 'kid', 'name']
    """
    nonce = os.urandom(12) if iv is None else iv
    if len(nonce) != 12:
        raise CredentialCryptoError("INVALID_ENVELOPE", "iv must be 12 bytes")
    ct = AESGCM(_raw_key(b64_key)).encrypt(nonce, plaintext.encode("utf-8"), (AAD_PREFIX + name).encode("utf-8"))
    return {
        "name": name,
        "encrypted": base64.b64encode(ct).decode(),
        "iv": base64.b64encode(nonce).decode(),
        "kid": key_id(b64_key),
    }


def decrypt_credential(b64_key: str, envelope: Envelope) -> str:
    """Decrypts an envelope; CREDENTIAL_KEY_MISMATCH naming the credential when key, name or bytes are wrong."""
    name = envelope["name"]
    aes = AESGCM(_raw_key(b64_key))
    kid = key_id(b64_key)
    if envelope.get("kid") and envelope["kid"] != kid:
        raise CredentialCryptoError(
            "CREDENTIAL_KEY_MISMATCH", f'Credential "{name}" was encrypted with key {envelope["kid"]}, not with key {kid}'
        )
    try:
        iv = base64.b64decode(envelope["iv"], validate=True)
        data = base64.b64decode(envelope["encrypted"], validate=True)
    except (binascii.Error, ValueError):
        raise CredentialCryptoError("INVALID_ENVELOPE", f'Credential "{name}": iv or encrypted is not base64') from None
    try:
        return aes.decrypt(iv, data, (AAD_PREFIX + name).encode("utf-8")).decode("utf-8")
    except (InvalidTag, ValueError):
        raise CredentialCryptoError(
            "CREDENTIAL_KEY_MISMATCH",
            f'Credential "{name}" cannot be decrypted with key {kid} (another key, another name, or tampered)',
        ) from None
