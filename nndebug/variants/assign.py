"""Which variant of each task a student gets: HMAC-SHA256 of the course secret and the student id,
recomputable at grading and stored nowhere a student sees. kit.toml [variants] ``pins`` fixes a student's
variant of a task; ``rerolls`` draws again (a new round of the HMAC) for a student.

Variants off (kit.toml [variants] enabled = false, the default): every student gets variant 0, the seed's.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from nndebug import config
from nndebug.settings import SettingsError
from nndebug.variants import families
from nndebug.variants.families import Variant


@dataclass(frozen=True)
class Assignment:
    """One student's variants, by task."""

    student: str
    variants: dict[int, Variant]

    def of(self, task: int) -> Variant:
        return self.variants[task]

    @property
    def label(self) -> str:
        """``task1v2 task2v0 task3v1``: for reports."""
        return " ".join(v.key for _, v in sorted(self.variants.items()))


def draw(key: bytes, student: str, task: int, round_: int = 0) -> int:
    """The HMAC draw: variant index of ``task`` for ``student`` (``round_`` > 0 after re-rolls)."""
    message = f"nn-debug variant|{config.assignment()}|task{task}|{round_}|{student}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % len(families.family(task))


def pins() -> dict[tuple[str, int], int]:
    """kit.toml [variants] pins: {(student, task): variant}; entries read "student task=variant ..."."""
    out: dict[tuple[str, int], int] = {}
    for entry in config.kit().variants.pins:
        student, *parts = entry.split()
        if not parts:
            raise SettingsError(f"kit.toml [variants] pins: {entry!r}: write \"student 1=2 3=0\"")
        for part in parts:
            task, _, index = part.partition("=")
            if not (task.isdigit() and index.isdigit()):
                raise SettingsError(f"kit.toml [variants] pins: {entry!r}: {part!r} is not task=variant")
            families.variant(int(task), int(index))  # KeyError names the family's size
            out[(student, int(task))] = int(index)
    return out


def rerolls(student: str) -> int:
    """How many times kit.toml [variants] rerolls lists ``student`` (each time: a new draw)."""
    return sum(1 for entry in config.kit().variants.rerolls if entry == student)


def enabled() -> bool:
    return config.kit().variants.enabled


def assign(student: str, key: bytes | None = None) -> Assignment:
    """``student``'s variants: pinned, else drawn (with variants on), else the seed's."""
    if not enabled():
        return Assignment(student, {t: families.seed(t) for t in config.TASKS})
    if key is None:
        from nndebug.variants import secret

        key = secret.load()
    pinned, round_ = pins(), rerolls(student)
    return Assignment(student, {
        t: families.variant(t, pinned.get((student, t), draw(key, student, t, round_)))
        for t in config.TASKS})
