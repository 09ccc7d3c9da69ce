"""How much a diff shows: changed lines between students' notebooks of a task, and against the shared example.

The measure (docs/variants.md): ``difflib.unified_diff`` of the code and markdown cells' sources joined
(answer cells left out: every release holds the same stubs there), the lines starting with ``+`` or ``-``
less the two headers. Over a class of generated students (ids ``s000``, ``s001``, ...; their variants and
decoys drawn from ``key``), for every task: the minimum and median over all pairs of students, and over
the students against the shared example (the seed's notebook, no decoys). Generation only: no data, no model.
"""
from __future__ import annotations

import difflib
import statistics
from dataclasses import dataclass
from itertools import combinations

import nbformat

from nndebug import config
from nndebug.course import assemble
from nndebug.course.nbcells import is_answer
from nndebug.variants import assign, decoys, families, grading, render

DEMO_KEY = bytes(32)  # a fixed key when no course secret is at hand: the figures do not depend on it


def text(nb: nbformat.NotebookNode) -> str:
    """The code and markdown cells' sources of ``nb`` joined, its answer cells left out."""
    return "\n".join(c.source for c in nb.cells if c.cell_type in ("code", "markdown") and not is_answer(c))


def changed_lines(a: str, b: str) -> int:
    """Lines a unified diff of ``a`` and ``b`` marks ``+`` or ``-`` (its two headers not counted)."""
    return sum(1 for line in difflib.unified_diff(a.split("\n"), b.split("\n"), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---")))


def student_text(key: bytes, student: str, task: int, lang: str = "ru") -> str:
    """``student``'s notebook of ``task`` (their variant and decoys under ``key``) as the measure reads it."""
    variant = families.variant(task, assign.draw(key, student, task))
    draw = decoys.draw_for(key, grading.owner_token(key, student))
    return text(render.build(variant, lang, draw))


@dataclass(frozen=True)
class Figures:
    """One task's changed-line counts over a class."""

    task: int
    pair_min: int
    pair_median: float
    seed_min: int
    seed_median: float


def measure(students: int = 30, key: bytes = DEMO_KEY, lang: str = "ru") -> list[Figures]:
    """The figures of every task over a class of ``students`` generated students."""
    out = []
    for task in config.TASKS:
        texts = [student_text(key, f"s{i:03d}", task, lang) for i in range(students)]
        seed = text(assemble.build(task, lang))
        pairs = [changed_lines(a, b) for a, b in combinations(texts, 2)]
        against = [changed_lines(seed, t) for t in texts]
        out.append(Figures(task, min(pairs), statistics.median(pairs), min(against),
                           statistics.median(against)))
    return out


def table(figures: list[Figures], students: int) -> str:
    """The figures as a markdown table."""
    lines = [f"changed lines over a class of {students} (pairs: {students * (students - 1) // 2} a task)", "",
             "| task | pairs: min | pairs: median | vs the shared example: min | median |",
             "|---|---|---|---|---|"]
    lines += [f"| {config.notebook(f.task)} | {f.pair_min} | {f.pair_median:g} | {f.seed_min} | "
              f"{f.seed_median:g} |" for f in figures]
    return "\n".join(lines)
