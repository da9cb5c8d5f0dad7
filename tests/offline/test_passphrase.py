"""The passphrase provider re-implementation against Pulumi's own test vector and basic AEAD properties."""

from __future__ import annotations

import base64

import pytest

from offline.passphrase import (
    DecryptionError,
    WrongPassphrase,
    decrypt,
    encrypt,
    key_from_salt_state,
    new_salt_state,
)

# The test vector of the pulumi/pulumi repository's config round-trip test (upstream).
VECTOR_PASSPHRASE = "TestConfigRoundtripComments"
VECTOR_SALT = "v1:ThS5UPxP9qc=:v1:UZYAXF+ylaJ0rGhv:9OTvBnOEDFgxs7btjzSu+LZ470vLpg=="
VECTOR_SECURE = "v1:T1ftqhY0hqr+EJK6:+jvd5PMecFx80tcavzuZY4tLatgIfoe/xR72GA=="
VECTOR_PLAINTEXT = "secret-value"

# Each key derivation is 1M PBKDF2 iterations, so derive each key once per module.


@pytest.fixture(scope="module")
def vector_key() -> bytes:
    return key_from_salt_state(VECTOR_PASSPHRASE, VECTOR_SALT)


@pytest.fixture(scope="module")
def fresh_state() -> tuple[str, bytes]:
    return new_salt_state("correct horse battery staple")


def test_pulumi_vector_decrypts(vector_key: bytes) -> None:
    assert decrypt(vector_key, VECTOR_SECURE) == VECTOR_PLAINTEXT


def test_vector_salt_rejects_wrong_passphrase() -> None:
    wrong = "NotTheRightPassphrase"
    with pytest.raises(WrongPassphrase) as caught:
        key_from_salt_state(wrong, VECTOR_SALT)
    assert isinstance(caught.value, ValueError)
    assert wrong not in str(caught.value)
    assert VECTOR_PASSPHRASE not in str(caught.value)


def test_round_trip_with_new_salt(fresh_state: tuple[str, bytes]) -> None:
    state, key = fresh_state
    assert state.startswith("v1:")
    assert len(base64.b64decode(state.split(":")[1], validate=True)) == 8
    # The state re-derives the same key from the passphrase (served from the cache, so cheap).
    assert key_from_salt_state("correct horse battery staple", state) == key
    for value in ["s3cr3t", "", "multi\nline\n", "ünïcødé ✓"]:
        assert decrypt(key, encrypt(key, value)) == value


def test_encryptions_differ(fresh_state: tuple[str, bytes]) -> None:
    _, key = fresh_state
    first, second = encrypt(key, "same value"), encrypt(key, "same value")
    assert first != second
    assert first.split(":")[1] != second.split(":")[1]  # fresh nonce each time
    assert decrypt(key, first) == decrypt(key, second) == "same value"


def test_tampered_ciphertext_fails(fresh_state: tuple[str, bytes]) -> None:
    _, key = fresh_state
    version, nonce, body = encrypt(key, "do not touch").split(":")
    raw = bytearray(base64.b64decode(body))
    raw[0] ^= 0x01
    tampered = f"{version}:{nonce}:{base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(DecryptionError):
        decrypt(key, tampered)


def test_other_key_fails(vector_key: bytes, fresh_state: tuple[str, bytes]) -> None:
    _, key = fresh_state
    with pytest.raises(DecryptionError):
        decrypt(key, VECTOR_SECURE)
    assert vector_key != key


@pytest.mark.parametrize(
    "bad",
    ["v2:T1ftqhY0hqr+EJK6:+jvd5PMecFx80tcavzuZY4tLatgIfoe/xR72GA==", "v1:T1ftqhY0hqr+EJK6", "v1:!!!!:!!!!"],
)
def test_malformed_ciphertext_fails(vector_key: bytes, bad: str) -> None:
    with pytest.raises(DecryptionError):
        decrypt(vector_key, bad)
