"""Code of answer cells as winnowed token fingerprints (copydetect): comments, whitespace and names dropped.

copydetect's ``filter_code`` lexes the code (pygments) and writes every variable, attribute, function and
class name as one letter and every string as ``S``, dropping comments and whitespace; its winnowing keeps
one fingerprint (a hash of ``k`` normalised characters) of every window, so renamed variables, moved
comments and reindented lines change nothing, and reordered lines leave the fingerprints inside each line.
Fingerprints of the release notebooks' code (the given cells, the stubs) are removed: nobody's code.
IPython lines (``%magic``, ``!shell``) are dropped before lexing.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from copydetect import CodeFingerprint
from copydetect.utils import filter_code, get_copied_slices, hashed_kgrams

K = 15        # normalised characters a fingerprint hashes (a short statement)
WINDOW = 3    # winnowing window: every run of K + WINDOW - 1 equal characters shares a fingerprint
_IPYTHON = re.compile(r"^[ \t]*[%!].*$", re.MULTILINE)

Span = tuple[int, int]


@dataclass
class Fingerprints:
    """One answer's fingerprints: hash -> positions in the normalised code; and how to map positions back."""

    raw: str
    positions: dict[int, list[int]]
    offsets: np.ndarray

    @property
    def hashes(self) -> set[int]:
        return set(self.positions)

    def spans(self, hashes: Iterable[int]) -> list[Span]:
        """Where the fingerprints ``hashes`` lie in the raw code (copydetect's slices, mapped back)."""
        idx = [i for h in hashes for i in self.positions.get(h, [])]
        if not idx:
            return []
        slices = get_copied_slices(np.array(idx), K)
        if len(self.offsets) > 0:
            slices = slices + self.offsets[:, 1][np.clip(np.searchsorted(self.offsets[:, 0], slices), 0,
                                                         self.offsets.shape[0] - 1)]
        return [(int(a), int(b)) for a, b in zip(slices[0], slices[1], strict=True)]


def strip_ipython(code: str) -> str:
    """``code`` with IPython's magic and shell lines blanked (same length, so spans stay right)."""
    return _IPYTHON.sub(lambda m: " " * len(m.group(0)), code)


def boilerplate(codes: Iterable[str]) -> np.ndarray:
    """Every k-gram hash of the given code (not only the winnowed ones): what no student wrote."""
    hashes = [hashed_kgrams(normalised(code), K) for code in codes]
    hashes = [h for h in hashes if len(h)]
    return np.unique(np.concatenate(hashes)) if hashes else np.array([], dtype=np.int64)


def normalised(code: str) -> str:
    """The code as copydetect compares it: names as ``V``/``F``/``O``, strings as ``S``, no comments."""
    return filter_code(strip_ipython(code), "answer.py", "python")[0]


def fingerprints(code: str, common: np.ndarray) -> Fingerprints:
    """The winnowed fingerprints of one answer's code, the ``common`` ones (boilerplate) removed."""
    fp = CodeFingerprint("answer.py", K, WINDOW, boilerplate=common, language="python",
                         fp=io.StringIO(strip_ipython(code)))
    return Fingerprints(code, {int(h): [int(i) for i in idx] for h, idx in fp.hash_idx.items()},
                        fp.offsets)
