"""Which graded submission counts (kit.toml [late] counts): the latest, or the student's best.

Every graded submission's penalised total is kept per student in the autograde state
(``autograded/.nndebug-state.json``, key ``submissions``), with a hash of the grading settings it was graded
under. With ``counts = "best"`` the exported grade (``grades.csv``, so ``make return``) is the best one's
among those graded under today's settings (a grade from other settings is not comparable and never counts);
the report and the student's feedback index say which submission counted. Per-cell scores (``scores.csv``,
the gradebook, each notebook's feedback) stay the latest submission's.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from nndebug import config
from nndebug.autograde.scores import read_csv, write_grades


@dataclass(frozen=True)
class Counted:
    """The submission whose grade is exported for one student."""

    student: str
    timestamp: str
    raw: float
    penalty: float
    score: float
    latest: bool            # the latest graded submission (nothing differs from the gradebook)
    graded: int             # submissions graded under today's settings


def policy() -> str:
    """kit.toml [late] counts: "latest" or "best"."""
    return config.kit().late.counts


def settings_hash(base: str) -> str:
    return hashlib.sha256(base.encode()).hexdigest()[:16]


def submission_entry(db_url: str, assignment: str, stamp: str, base: str, student: str) -> dict:
    """What the state keeps of the submission just graded: its time and raw, late-penalty and final points."""
    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return {"stamp": stamp, "settings": settings_hash(base), "timestamp": "", "raw": 0.0,
                    "penalty": 0.0, "score": 0.0}
        raw = float(sum(nb.score or 0 for nb in sub.notebooks))
        penalty = float(sum(nb.late_submission_penalty or 0 for nb in sub.notebooks))
        return {"stamp": stamp, "settings": settings_hash(base), "timestamp": str(sub.timestamp or ""),
                "raw": round(raw, 4), "penalty": round(penalty, 4), "score": round(raw - penalty, 4)}


def record(entry: dict, history: list[dict]) -> list[dict]:
    """``history`` with ``entry`` as its latest (a regrade of the same files under the same settings
    replaces its earlier record)."""
    kept = [h for h in history if (h["stamp"], h["settings"]) != (entry["stamp"], entry["settings"])]
    return [*kept, entry]


def choose(student: str, history: list[dict], base: str, how: str) -> Counted | None:
    """The counted submission: the latest, or with ``how == "best"`` the highest final score among those
    graded under today's settings (the later one on a tie); None without a record."""
    current = [h for h in history if h["settings"] == settings_hash(base)]
    if not current:
        return None
    latest = current[-1]
    pick = latest
    if how == "best":
        pick = max(reversed(current), key=lambda h: h["score"])     # max keeps the first: the later
    return Counted(student, pick["timestamp"], pick["raw"], pick["penalty"], pick["score"],
                   latest=pick is latest, graded=len(current))


def counted_all(state: dict, base: str, how: str | None = None) -> dict[str, Counted]:
    """{student: Counted} over the state."""
    how = how or policy()
    out = {}
    for student, record_ in state.items():
        pick = choose(student, record_.get("submissions", []), base, how)
        if pick is not None:
            out[student] = pick
    return out


def apply_to_grades(path: Path, counted: dict[str, Counted], assignment: str) -> list[str]:
    """Rewrite grades.csv so each student's row holds the counted submission's points and time, and a
    ``counts`` column says which one it is; returns lines for the report."""
    if not path.is_file() or not path.stat().st_size:
        return []
    rows, lines = read_csv(path), []
    for row in rows:
        pick = counted.get(row["student_id"]) if row.get("assignment") == assignment else None
        row["counts"] = "latest"
        if pick is None or pick.latest:
            continue
        when = pick.timestamp or "unknown time"
        lines.append(f"{pick.student}: the best of {pick.graded} graded submissions counts, of {when}: "
                     f"{pick.score:g} (the latest, of {row.get('timestamp')}, scored {row.get('score')})")
        row.update({"raw_score": pick.raw, "late_submission_penalty": pick.penalty, "score": pick.score,
                    "timestamp": pick.timestamp, "counts": f"best: {pick.timestamp}"})
    write_grades(rows, path)
    return lines
