import base64

import pytest

from arcrun_sdk import CredentialCryptoError, decrypt_credential, encrypt_credential, generate_key, key_id


def test_key_ids(vectors):
    for k in vectors["keys"]:
        assert key_id(k["key"]) == k["kid"]


def test_positive_vectors(vectors):
    assert len(vectors["positive"]) >= 5
    for v in vectors["positive"]:
        iv = base64.b64decode(v["envelope"]["iv"])
        assert encrypt_credential(v["key"], v["name"], v["plaintext"], iv=iv) == v["envelope"], v["description"]
        assert decrypt_credential(v["key"], v["envelope"]) == v["plaintext"], v["description"]


def test_negative_vectors(vectors):
    reasons = set()
    for v in vectors["negative"]:
        with pytest.raises(CredentialCryptoError) as e:
            decrypt_credential(v["key"], v["envelope"])
        assert e.value.code == "CREDENTIAL_KEY_MISMATCH", v["description"]
        assert f'"{v["envelope"]["name"]}"' in str(e.value)
        reasons.add(v["reason"])
    assert {"wrong_name", "wrong_key", "tampered_tag"} <= reasons


def test_fresh_iv_each_time():
    key = generate_key()
    a = encrypt_credential(key, "n", "same")
    b = encrypt_credential(key, "n", "same")
    assert len(base64.b64decode(a["iv"])) == 12
    assert a["iv"] != b["iv"] and a["encrypted"] != b["encrypted"]


def test_bad_key_is_named():
    with pytest.raises(CredentialCryptoError, match="32 bytes") as e:
        encrypt_credential(base64.b64encode(b"short").decode(), "n", "x")
    assert e.value.code == "INVALID_ENCRYPTION_KEY"
