"""Hashes and JSON manifests: what a build wrote, so a re-run can tell a valid build from a stale one."""
from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read(path: Path) -> dict[str, Any] | None:
    """A manifest, or None when it is missing or unreadable (a build then starts over)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write(path: Path, manifest: dict[str, Any]) -> None:
    """Write a manifest atomically, keys sorted, so equal builds give equal files."""
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def histogram(labels: Any) -> dict[str, int]:
    """How many of each digit 0..9 (keys as strings, for JSON)."""
    counts = {str(d): 0 for d in range(10)}
    for label in labels:
        counts[str(int(label))] += 1
    return counts


@contextmanager
def build_lock(target: Path) -> Iterator[None]:
    """An exclusive lock beside ``target``: concurrent builds (parallel test runs) wait for each other."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f".{target.name}.lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
