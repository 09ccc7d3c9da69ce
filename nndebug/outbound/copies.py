"""Who ``make return`` names as a possible copy, next to the grades it exports, and where to read why.

Two sources, both for a person to judge (no grade is changed): the grading's variants check (a notebook
carrying another variant or another student's owner token: a ``COPY?`` problem in
``autograded/.nndebug-state.json``, shown in ``autograded/report.md``) and the similarity report
(``autograded/similarity.md``: a flagged pair with a classmate or a public answer, seed or reference).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from nndebug.autograde.state import STATE_FILE

PAIR = re.compile(r"^## (?P<n>\d+)\. (?P<a>\S+) and (?P<b>\S+)(?: \([^)]*\))?: strength (?P<s>[\d.]+)")


def variant_flags(autograded: Path) -> dict[str, list[str]]:
    """student -> the ``COPY?`` lines of their last grading."""
    path = autograded / STATE_FILE
    state = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    found: dict[str, list[str]] = {}
    for sid, entry in state.items():
        for problem in entry.get("problems", []) if isinstance(entry, dict) else []:
            text = problem.get("message", "")
            if text.startswith("COPY?"):
                where = f"{problem['notebook']}: " if problem.get("notebook") else ""
                found.setdefault(sid, []).append(f"{where}{text} (autograded/report.md)")
    return found


def similarity_flags(autograded: Path) -> dict[str, list[str]]:
    """student -> the flagged pairs of ``similarity.md`` they are in (with whom, how strong, which pair)."""
    path = autograded / "similarity.md"
    found: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else []:
        pair = PAIR.match(line)
        if not pair:
            continue
        for me, other in ((pair["a"], pair["b"]), (pair["b"], pair["a"])):
            found.setdefault(me, []).append(f"shares answers with {other}, strength {pair['s']} "
                                            f"(autograded/similarity.md, pair {pair['n']})")
    return found


def flagged(root: Path, students: set[str]) -> list[str]:
    """``<student>: why (where to read it)`` for every one of ``students`` flagged by either check."""
    autograded = root / "autograded"
    found: dict[str, list[str]] = {}
    for source in (variant_flags(autograded), similarity_flags(autograded)):
        for sid, lines in source.items():
            if sid in students:
                found.setdefault(sid, []).extend(lines)
    return [f"{sid}: {'; '.join(lines)}" for sid, lines in sorted(found.items())]
