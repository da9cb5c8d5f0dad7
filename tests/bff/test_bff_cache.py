"""The sealed cache: AES-GCM under a key from a mounted file, TTL, LRU, and a new key dropping all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bff.cms import SecretRecord
from bff.mounted import MountedFile, MountedFileError
from bff.sealed_cache import KeySource, SealedCache, check_key_material
from tests.bff._fakes import Clock

VALUE = "spcanary-cache-value-91b2"


def record(name: str, version: int = 1, value: str = VALUE) -> SecretRecord:
    return SecretRecord(name=name, version=version, data={"api-key": value})


def fixed_key(material: bytes = b"m" * 32) -> KeySource:
    return KeySource(lambda: material, lambda: 1)


def test_a_value_comes_back_until_its_ttl() -> None:
    clock = Clock()
    cache = SealedCache(fixed_key(), ttl_seconds=10, max_entries=10, clock=clock)
    cache.put("a", record("a"))
    clock.advance(9.9)
    assert cache.get("a") == record("a")
    clock.advance(0.1)
    assert cache.get("a") is None, "never served at or past the TTL"
    assert len(cache) == 0


def test_values_are_sealed_in_memory() -> None:
    cache = SealedCache(fixed_key(), ttl_seconds=10, max_entries=10, clock=Clock())
    cache.put("a", record("a"))
    (entry,) = cache._entries.values()
    assert VALUE.encode() not in entry.sealed and len(entry.nonce) == 12


def test_an_entry_cannot_be_read_under_another_name() -> None:
    cache = SealedCache(fixed_key(), ttl_seconds=10, max_entries=10, clock=Clock())
    cache.put("a", record("a"))
    cache.put("b", record("b", value="other"))
    cache._entries["b"] = cache._entries["a"]  # a swapped entry fails authentication (the name is AAD)
    assert cache.get("b") is None
    assert cache.get("a") == record("a")


def test_the_least_recently_used_goes_first() -> None:
    cache = SealedCache(fixed_key(), ttl_seconds=60, max_entries=2, clock=Clock())
    cache.put("a", record("a"))
    cache.put("b", record("b"))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", record("c"))
    assert [cache.get(n) is not None for n in ("a", "b", "c")] == [True, False, True]


def test_a_ttl_of_zero_caches_nothing() -> None:
    cache = SealedCache(fixed_key(), ttl_seconds=0, max_entries=10, clock=Clock())
    cache.put("a", record("a"))
    assert cache.get("a") is None and len(cache) == 0 and not cache.enabled


def test_a_new_key_file_drops_every_entry_sealed_under_the_old_one(tmp_path: Path) -> None:
    key_file = tmp_path / "cacheEncryptionKey"
    key_file.write_text("first-key-material-" + "x" * 32)
    mounted = MountedFile(key_file, check_key_material)
    cache = SealedCache(
        KeySource(lambda: mounted.content, lambda: mounted.generation),
        ttl_seconds=60,
        max_entries=10,
        clock=Clock(),
    )
    cache.put("a", record("a"))
    cache.put("b", record("b"))
    assert cache.get("a") is not None
    staged = tmp_path / ".new"
    staged.write_text("second-key-material-" + "y" * 32)
    os.replace(staged, key_file)  # what the kubelet's symlink swap amounts to: a new inode
    assert cache.get("a") is None and cache.get("b") is None and len(cache) == 0
    cache.put("a", record("a", version=2))
    assert cache.get("a") == record("a", version=2)


def test_a_broken_key_file_update_keeps_the_last_good_key(tmp_path: Path) -> None:
    key_file = tmp_path / "cacheEncryptionKey"
    key_file.write_text("k" * 40)
    mounted = MountedFile(key_file, check_key_material)
    key_file.write_text("short")
    assert mounted.content == b"k" * 40 and mounted.generation == 1
    key_file.unlink()
    assert mounted.content == b"k" * 40


def test_key_material_must_carry_256_bits(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        check_key_material(b"x" * 31)
    (tmp_path / "k").write_text("x" * 10)
    with pytest.raises(ValueError) as caught:
        MountedFile(tmp_path / "k", check_key_material)
    assert "xxxxxxxxxx" not in str(caught.value)


def test_a_missing_or_empty_mounted_file_is_named_not_shown(tmp_path: Path) -> None:
    with pytest.raises(MountedFileError, match="cannot be read"):
        MountedFile(tmp_path / "absent")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(MountedFileError, match="is empty"):
        MountedFile(tmp_path / "empty")
