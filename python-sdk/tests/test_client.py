"""The Python client against the real platform: `acr dev` (workerd via Miniflare) on 127.0.0.1."""

import hashlib
import hmac
import json
import pathlib
import secrets
import urllib.request

import pytest

from arcrun_sdk import ArcrunError, Client, generate_key, key_id

ROOT = pathlib.Path(__file__).resolve().parents[2]

def verify(p, name, expected, api_key=None):
    """Asks workerd (decryptCredential, local-only route) whether `name` decrypts to `expected`."""
    body = json.dumps({"sha256": hashlib.sha256(expected.encode()).hexdigest()}).encode()
    req = urllib.request.Request(
        f"{p['url']}/v1/_local/credentials/{name}/verify",
        data=body,
        method="POST",
        headers={
            "authorization": f"Bearer {api_key or p['apiKey']}",
            "x-arcrun-admin-token": p["adminToken"],
            "content-type": "application/json",
        },
    )
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read())


def test_put_list_delete_and_host_side_decrypt(platform):
    arc = Client(platform["url"], platform["apiKey"], encryption_key=platform["encryptionKey"])
    assert arc.whoami()["ns"] == platform["ns"]
    assert arc.platform_key()["kid"] == key_id(platform["encryptionKey"])
    secret = "py_" + secrets.token_hex(8)
    info = arc.put_credential("pagerduty", secret)
    assert info["name"] == "pagerduty" and info["kid"] == key_id(platform["encryptionKey"])
    assert verify(platform, "pagerduty", secret) == {"match": True}
    assert "pagerduty" in [c["name"] for c in arc.list_credentials()]
    arc.delete_credential("pagerduty")
    with pytest.raises(ArcrunError) as e:
        arc.delete_credential("pagerduty")
    assert e.value.status == 404 and e.value.code == "CREDENTIAL_NOT_FOUND"


def test_wrong_local_key_is_a_named_mismatch(platform):
    arc = Client(platform["url"], platform["apiKey"], encryption_key=generate_key())
    with pytest.raises(ArcrunError) as e:
        arc.put_credential("openai", "sk-x")
    assert e.value.status == 409 and e.value.code == "CREDENTIAL_KEY_MISMATCH"
    assert '"openai"' in str(e.value)
    assert e.value.details["credential"] == "openai"


def test_bad_api_key(platform):
    with pytest.raises(ArcrunError) as e:
        Client(platform["url"], "acr_nope").whoami()
    assert e.value.code == "UNAUTHORIZED"


def test_run_workflow_signing_with_a_credential(platform):
    arc = Client(platform["url"], platform["apiKey"], encryption_key=platform["encryptionKey"])
    secret = "whsec_" + secrets.token_hex(8)
    arc.put_credential("py_signing", secret)
    yaml_text = "\n".join(
        [
            "name: py_sign",
            "flow:",
            '  - "input >> ON_SUCCESS >> sign"',
            "config:",
            '  sign: { component: platform_crypto, op: hmac, algorithm: sha256, key_credential: py_signing, value: "{{ input.message }}" }',
            "",
        ]
    )
    assert arc.deploy_workflow("py_sign", yaml_text)["name"] == "py_sign"
    run = arc.run_workflow("py_sign", {"message": "hi"})
    assert run["status"] == "succeeded"
    assert run["output"]["result"] == hmac.new(secret.encode(), b"hi", hashlib.sha256).hexdigest()
    assert secret not in json.dumps(run)
