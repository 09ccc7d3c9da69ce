"""Evidence weighed by rarity across the class, and the candidate pairs found through rare features.

For one answer (task and part) of the class of N students, a feature (a shingle, a code fingerprint) held
by df of them weighs ``log(N / df) / log(N)``: 1 for what one student wrote, falling to 0 for what
everybody wrote; held by ``common_share`` of the class or more it weighs nothing (nor does anything in the
release notebooks, removed before). In a class too small to tell (under ``MIN_CLASS``) every feature
weighs 1. Pairs are found through an inverted index of the rare features (held by at most ``rare_cap``
students): no pair that shares none is ever looked at, so the work grows with the rare matches, not with
the square of the class.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

MIN_CLASS = 8        # fewer students than this: rarity cannot be told, every feature weighs 1
RARE_SHARE = 0.05    # a feature held by at most this share of the class (or RARE_MIN students) finds pairs
RARE_MIN = 4


@dataclass(frozen=True)
class Rarity:
    """Document frequencies of one answer's features over the class, and the weights they give."""

    df: Mapping[Hashable, int]
    students: int
    common_share: float

    @classmethod
    def of(cls, class_features: Iterable[Iterable[Hashable]], common_share: float) -> Rarity:
        counts: Counter = Counter()
        students = 0
        for features in class_features:
            students += 1
            counts.update(set(features))
        return cls(counts, students, common_share)

    def weight(self, feature: Hashable) -> float:
        """How much sharing ``feature`` tells (0: nothing)."""
        df = max(1, self.df.get(feature, 0))
        if self.students < MIN_CLASS:
            return 1.0
        if df >= self.common_share * self.students:
            return 0.0
        return max(0.0, math.log(self.students / df) / math.log(self.students))

    @property
    def rare_cap(self) -> int:
        """The most students a feature may have and still find candidate pairs."""
        return max(RARE_MIN, math.ceil(RARE_SHARE * self.students))

    def is_rare(self, feature: Hashable) -> bool:
        return self.weight(feature) > 0 and self.df.get(feature, 0) <= self.rare_cap


def candidate_pairs(docs: Mapping[int, Iterable[Hashable]], rarity: Rarity,
                    sources: set[int]) -> set[tuple[int, int]]:
    """Pairs of documents (ids, the smaller first) that share at least one rare feature: two students, or a
    student and a known source (``sources``: never paired with one another). A feature held by more than
    ``rare_cap`` students, or by more than that share of the sources, finds no pair."""
    postings: dict[Hashable, list[int]] = defaultdict(list)
    for doc, features in docs.items():
        for feature in set(features):
            if rarity.is_rare(feature):
                postings[feature].append(doc)
    source_cap = max(rarity.rare_cap, math.ceil(RARE_SHARE * len(sources)))
    pairs = set()
    for holders in postings.values():
        students = [d for d in holders if d not in sources]
        known = [d for d in holders if d in sources]
        if not students or len(known) > source_cap:
            continue
        for i, a in enumerate(students):
            for b in students[i + 1:] + known:
                pairs.add((min(a, b), max(a, b)))
    return pairs


@dataclass(frozen=True)
class Overlap:
    """What two answers share: the shared features, their weight, and the share of the smaller (or, against
    a known source, of the student's) answer's weight they are."""

    shared: frozenset
    evidence: float
    cover: float


def overlap(a: set, b: set, rarity: Rarity, of: str = "smaller") -> Overlap:
    """The weighted overlap of two feature sets; ``of``: "smaller" (the shared weight over the smaller
    set's) or "both" (twice the shared weight over both sets': Dice)."""
    shared = frozenset(f for f in a & b if rarity.weight(f) > 0)
    evidence = sum(rarity.weight(f) for f in shared)
    total_a = sum(rarity.weight(f) for f in a)
    total_b = sum(rarity.weight(f) for f in b)
    base = (total_a + total_b) / 2 if of == "both" else min(total_a, total_b)
    return Overlap(shared, evidence, evidence / base if base > 0 else 0.0)
