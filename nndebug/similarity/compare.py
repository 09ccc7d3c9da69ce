"""Every answer of the class against every other and against the known sources, task by task; the pairs
that share rare text or code, with what they share and how strongly.

A pair's strength, 0 to 1, is over its answers (task and part): each answer's ``cover`` (the
rarity-weighted share of the smaller answer, or of the student's against a known source, that the other
holds too), scaled down when the shared evidence is less than ``MIN_EVIDENCE`` features (a two-word answer
that matches says little); the answers combine as independent signs (1 - product of 1 - s), so copying in
several answers adds up. A pair at or over kit.toml [similarity] ``threshold`` is flagged for a person to
judge; nothing here touches a grade.
"""
from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np

from nndebug.similarity import code, text
from nndebug.similarity.extract import PARTS, Author, Boilerplate, Key
from nndebug.similarity.weighting import Overlap, Rarity, candidate_pairs, overlap

# Shared evidence (rarity-weighted features) under which an answer's cover counts only in part: about a
# sentence of rare wording for an explanation (a few words in common prove nothing), a few distinctive
# statements for code.
MIN_EVIDENCE = {"explanation": 12.0, "fix": 25.0}
REPORT_FLOOR = 0.15
# What an answer's cover is a share of: of the smaller explanation (a pasted paragraph in a longer answer
# counts in full), of both fixes (Dice: a short fix inside a long one is a common idiom, not a copy).
COVER = {"explanation": "smaller", "fix": "both"}  # pairs weaker than this are not kept at all


@dataclass
class Doc:
    """One author's answer to one task part, as features."""

    author: int
    text: str
    features: set[Hashable]
    spans: dict[Hashable, list[tuple[int, int]]] | None = None  # explanations: each shingle's spans
    prints: code.Fingerprints | None = None                     # code: the fingerprints

    def spans_of(self, shared: frozenset) -> list[tuple[int, int]]:
        """Where ``shared`` lies in this answer's text, merged."""
        if self.prints is not None:
            found = self.prints.spans(shared)
        else:
            found = [s for f in shared for s in (self.spans or {}).get(f, [])]
        return merge(found)


def merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans as one."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


@dataclass
class PartMatch:
    """What a pair shares in one answer."""

    key: Key
    overlap: Overlap
    strength: float
    spans_a: list[tuple[int, int]]
    spans_b: list[tuple[int, int]]
    text_a: str
    text_b: str


@dataclass
class Pair:
    """Two authors (``a`` a student; ``b`` a student or a known source) and what they share."""

    a: Author
    b: Author
    parts: list[PartMatch] = field(default_factory=list)

    @property
    def strength(self) -> float:
        rest = 1.0
        for part in self.parts:
            rest *= 1.0 - part.strength
        return 1.0 - rest


def part_strength(found: Overlap, part: str) -> float:
    """An answer's cover, scaled down when the evidence behind it is thin."""
    return found.cover * min(1.0, found.evidence / MIN_EVIDENCE[part])


class Features:
    """Turns answers into features with the release notebooks' text and code removed."""

    def __init__(self, boilerplate: Boilerplate) -> None:
        cells = boilerplate.markdown + boilerplate.code
        self.common_text = {s for cell in cells for s in text.shingles(cell)}
        self.common_code: np.ndarray = code.boilerplate(boilerplate.code)

    def doc(self, author: int, part: str, answer: str) -> Doc | None:
        if not answer.strip():
            return None
        if part == "explanation":
            spans = {s: v for s, v in text.shingles(answer).items() if s not in self.common_text}
            return Doc(author, answer, set(spans), spans=spans)
        prints = code.fingerprints(answer, self.common_code)
        return Doc(author, answer, prints.hashes, prints=prints)


def compare(authors: list[Author], boilerplate: Boilerplate, common_share: float,
            tasks: tuple[int, ...]) -> list[Pair]:
    """Every pair sharing rare evidence in some answer, strongest first (under REPORT_FLOOR left out)."""
    features = Features(boilerplate)
    pairs: dict[tuple[int, int], Pair] = {}
    students = [i for i, a in enumerate(authors) if a.kind == "student"]
    direct = [i for i, a in enumerate(authors) if a.kind in ("seed", "reference")]
    archive = {i for i, a in enumerate(authors) if a.kind == "archive"}
    for task in tasks:
        for part in PARTS:
            key = (task, part)
            docs = {i: d for i, a in enumerate(authors)
                    if (d := features.doc(i, part, a.answers.get(key, ""))) is not None}
            rarity = Rarity.of((docs[i].features for i in students if i in docs), common_share)
            indexed = {i: d.features for i, d in docs.items() if i not in direct}
            candidates = candidate_pairs(indexed, rarity, archive)
            candidates |= {(s, k) for s in students if s in docs for k in direct if k in docs}
            for i, j in candidates:
                a, b = (i, j) if authors[i].kind == "student" else (j, i)
                found = overlap(docs[a].features, docs[b].features, rarity, COVER[part])
                strength = part_strength(found, part)
                if strength <= 0:
                    continue
                pair = pairs.setdefault((a, b), Pair(authors[a], authors[b]))
                pair.parts.append(PartMatch(key, found, strength, docs[a].spans_of(found.shared),
                                            docs[b].spans_of(found.shared), docs[a].text, docs[b].text))
    kept = [p for p in pairs.values() if p.strength >= REPORT_FLOOR]
    for pair in kept:
        pair.parts.sort(key=lambda m: -m.strength)
    return sorted(kept, key=lambda p: (-p.strength, p.a.name, p.b.name))
