"""The run state: what was graded from which files, so unchanged submissions are not graded again."""
from __future__ import annotations

import json

from nndebug import config, settings
from nndebug.autograde.course import Course
from nndebug.autograde.submission import fingerprint

STATE_FILE = ".nndebug-state.json"   # under autograded/: what was graded from which files


# The kit.toml sections a grade depends on ([late] without the per-student extensions, which go into each
# student's own fingerprint, and without `counts`, which only picks among grades: autograde/counted.py); the
# rest ([course], [downloads], [return], [feedback]: regenerated, not regraded, ...) never regrades.
GRADING_SECTIONS = ("tasks", "subset", "grading", "notebooks", "checks", "late")
GRADING_KEYS = {"collect": ("due", "timezone")}


def grading_settings() -> dict:
    """The settings that change a grade or its feedback."""
    tables = settings.as_dict(config.kit())
    chosen = {name: tables[name] for name in GRADING_SECTIONS if name in tables}
    chosen["late"] = {k: v for k, v in chosen.get("late", {}).items() if k not in ("extensions", "counts")}
    for name, keys in GRADING_KEYS.items():
        chosen[name] = {k: tables[name][k] for k in keys}
    return chosen


def extension_of(student: str) -> float:
    """Hours of the student's extension (kit.toml [late.extensions])."""
    return float(config.kit().late.extensions.get(student, 0))


def grading_fingerprint(course: Course) -> str:
    """A hash of what grading depends on besides the submission: tests, grading code, grading settings."""
    parts = [fingerprint(course.root / "source" / course.assignment)]
    for package in ("verify", "rubric", "kernel"):
        parts.append(fingerprint(config.ROOT / "nndebug" / package))
    parts.append(config.RUBRIC_FILE.read_text(encoding="utf-8"))
    parts.append(json.dumps(grading_settings(), sort_keys=True, default=str))
    parts.append(json.dumps(course.limits.__dict__, sort_keys=True))
    return "|".join(parts)


def load_state(course: Course) -> dict:
    path = course.autograded / STATE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(course: Course, state: dict) -> None:
    course.autograded.mkdir(parents=True, exist_ok=True)
    (course.autograded / STATE_FILE).write_text(json.dumps(state, indent=1, sort_keys=True))
