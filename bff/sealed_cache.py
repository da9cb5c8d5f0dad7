"""The in-memory cache of secret values, sealed with AES-256-GCM.

Why sealed: a heap dump, a core file or a debugger attached to a replica shows ciphertext, and the
key lives in a mounted file, not in the process's data. Each entry is bound to its name (associated
data) so one entry can never be decrypted as another. A new key file drops every entry sealed under
the old key; an entry is never served past its TTL; the least recently used goes first when full.
"""

from __future__ import annotations

import json
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bff.cms import SecretRecord

MIN_KEY_MATERIAL = 32
HKDF_INFO = b"secrets-platform/bff/cache/v1"


def check_key_material(material: bytes) -> None:
    """Refuse key material too short to carry 256 bits (the message never shows it)."""
    if len(material) < MIN_KEY_MATERIAL:
        raise ValueError(f"cache key material must be at least {MIN_KEY_MATERIAL} bytes")


def derive_key(material: bytes) -> AESGCM:
    """AES-256-GCM key from the mounted material (HKDF-SHA256, RFC 5869), whatever its encoding."""
    check_key_material(material)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(material)
    return AESGCM(key)


class KeySource:
    """The current cache key and its generation (a number that changes with the key material)."""

    def __init__(self, material: Callable[[], bytes], generation: Callable[[], int]) -> None:
        self._material = material
        self._generation = generation
        self._current: tuple[int, AESGCM] | None = None

    def current(self) -> tuple[int, AESGCM]:
        material = self._material()  # may re-read the mounted file and bump the generation
        generation = self._generation()
        if self._current is None or self._current[0] != generation:
            self._current = (generation, derive_key(material))
        return self._current


@dataclass(frozen=True, slots=True)
class _Entry:
    nonce: bytes
    sealed: bytes
    expires_at: float


class SealedCache:
    """LRU + TTL cache of SecretRecords, each sealed with AES-GCM under the current key."""

    def __init__(
        self,
        keys: KeySource,
        ttl_seconds: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keys = keys
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._generation: int | None = None

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def _key(self) -> AESGCM:
        generation, key = self._keys.current()
        if generation != self._generation:
            self._entries.clear()  # sealed under a key that is no longer mounted
            self._generation = generation
        return key

    def get(self, name: str) -> SecretRecord | None:
        """The cached record, or None (absent, expired, or sealed under an older key)."""
        if not self.enabled:
            return None
        key = self._key()
        entry = self._entries.get(name)
        if entry is None:
            return None
        if self._clock() >= entry.expires_at:
            del self._entries[name]
            return None
        self._entries.move_to_end(name)
        try:
            plain = key.decrypt(entry.nonce, entry.sealed, name.encode())
        except InvalidTag:  # cannot happen unless memory was tampered with: drop it, ask the CMS
            del self._entries[name]
            return None
        return SecretRecord.model_validate(json.loads(plain), strict=False)

    def put(self, name: str, record: SecretRecord) -> None:
        """Seal and keep `record` for the TTL, evicting the least recently used beyond the bound."""
        if not self.enabled:
            return
        key = self._key()
        nonce = os.urandom(12)
        sealed = key.encrypt(nonce, record.model_dump_json().encode(), name.encode())
        self._entries[name] = _Entry(nonce, sealed, self._clock() + self._ttl)
        self._entries.move_to_end(name)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
