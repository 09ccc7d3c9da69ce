"""Which students a shard grades: ``k/N`` takes every N-th student of the sorted list, from the k-th."""
from __future__ import annotations

import re


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/3"`` -> (2, 3); a clear error for anything else."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match:
        raise ValueError(f"SHARD={text!r}: expected k/N, e.g. SHARD=1/3")
    k, n = int(match[1]), int(match[2])
    if not 1 <= k <= n:
        raise ValueError(f"SHARD={text!r}: k must be between 1 and N")
    return k, n


def shard_students(students: list[str], shard: tuple[int, int] | None) -> list[str]:
    """The students of this shard (all of them without a shard); every student is in exactly one."""
    ordered = sorted(students)
    if shard is None:
        return ordered
    k, n = shard
    return ordered[k - 1::n]
