"""A faithful re-implementation of Pulumi's passphrase secrets provider.

Why this exists: the tests prove that the dev stack's `secure:` values decrypt under the documented
example passphrase, and the maintainer tool `tools/encrypt_dev_stack.py` writes those ciphertexts on
machines without the Pulumi CLI. Nothing else may use it: the offline plan, check and diff commands
never decrypt a secret, so they never need a passphrase.

The format matches the pulumi/pulumi repository's `pkg/secrets/passphrase/manager.go` and
`sdk/go/common/resource/config/crypt.go` (upstream):

- key: PBKDF2-HMAC-SHA256(passphrase, 8-byte random salt, 1,000,000 iterations, 32 bytes);
- cipher: AES-256-GCM, random 12-byte nonce, no associated data, tag appended to the ciphertext;
- a `secure:` value is `v1:<base64 nonce>:<base64 ciphertext+tag>` (standard, padded base64);
- `encryptionsalt:` is `v1:<base64 salt>:` followed by the encryption of `pulumi` under the key,
  which is how a wrong passphrase is detected.

Deriving a key takes about a second, so `derive_key` caches its results per (passphrase, salt).
"""

from __future__ import annotations

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

VERSION = "v1"
ITERATIONS = 1_000_000
KEY_SIZE = 32
SALT_SIZE = 8
NONCE_SIZE = 12
CHECK_PLAINTEXT = "pulumi"
"""Encrypted into `encryptionsalt:` so a wrong passphrase is caught before any secret is touched."""


class DecryptionError(ValueError):
    """A `v1:` value is malformed, or does not decrypt under the key (wrong key or altered text)."""


class WrongPassphrase(ValueError):
    """The passphrase does not decrypt the stack's `encryptionsalt:` check value."""


@functools.lru_cache(maxsize=16)
def derive_key(passphrase: str, salt: bytes) -> bytes:
    """The 32-byte AES key for `passphrase` and `salt` (PBKDF2-HMAC-SHA256, 1M iterations; cached)."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=salt, iterations=ITERATIONS)
    return kdf.derive(passphrase.encode("utf-8"))


def new_salt_state(passphrase: str) -> tuple[str, bytes]:
    """A fresh `encryptionsalt:` value for `passphrase`, and the key it stands for."""
    salt = os.urandom(SALT_SIZE)
    key = derive_key(passphrase, salt)
    state = f"{VERSION}:{_b64encode(salt)}:{encrypt(key, CHECK_PLAINTEXT)}"
    return state, key


def key_from_salt_state(passphrase: str, encryptionsalt: str) -> bytes:
    """The key for a stack's `encryptionsalt:` value; raises `WrongPassphrase` if it does not match."""
    # Like Pulumi: split into at most three parts, the third being a whole `v1:` ciphertext.
    parts = encryptionsalt.strip().split(":", 2)
    if len(parts) != 3 or parts[0] != VERSION:
        raise ValueError(f"encryptionsalt is not a `{VERSION}:<salt>:<check>` value")
    try:
        salt = _b64decode(parts[1])
    except DecryptionError:
        raise ValueError("encryptionsalt has a salt that is not valid base64") from None
    key = derive_key(passphrase, salt)
    try:
        check = decrypt(key, parts[2])
    except DecryptionError:
        check = None
    if check != CHECK_PLAINTEXT:
        # Never name the passphrase: this message may end up in CI logs.
        raise WrongPassphrase("incorrect passphrase: it does not decrypt the stack's encryptionsalt")
    return key


def encrypt(key: bytes, plaintext: str) -> str:
    """The `v1:<nonce>:<ciphertext>` form of `plaintext` under `key`, with a fresh random nonce."""
    _check_key(key)
    nonce = os.urandom(NONCE_SIZE)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), None)
    return f"{VERSION}:{_b64encode(nonce)}:{_b64encode(sealed)}"


def decrypt(key: bytes, ciphertext: str) -> str:
    """The plaintext of a `v1:` value; raises `DecryptionError` if malformed, altered or another key's."""
    _check_key(key)
    parts = ciphertext.strip().split(":")
    if len(parts) != 3 or parts[0] != VERSION:
        raise DecryptionError(f"ciphertext is not a `{VERSION}:<nonce>:<ciphertext>` value")
    nonce = _b64decode(parts[1])
    sealed = _b64decode(parts[2])
    if len(nonce) != NONCE_SIZE:
        raise DecryptionError(f"ciphertext nonce is {len(nonce)} bytes, expected {NONCE_SIZE}")
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, None)
    except InvalidTag:
        raise DecryptionError("ciphertext does not decrypt: wrong key, or the value was altered") from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionError("decrypted value is not UTF-8 text") from None


def _check_key(key: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise ValueError(f"key must be {KEY_SIZE} bytes, got {len(key)}")


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str) -> bytes:
    # Strict like Go's base64.StdEncoding: standard alphabet, padding required.
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise DecryptionError("value is not valid padded base64") from None
