"""The run state: what was graded from which files, so unchanged submissions are not graded again."""
from __future__ import annotations

import json

from nndebug import config, settings
from nndebug.autograde.course import Course
from nndebug.autograde.submission import fingerprint

STATE_FILE = ".nndebug-state.json"   # under autograded/: what was graded from which files


def grading_fingerprint(course: Course) -> str:
    """A hash of what grading depends on besides the submission: tests, grading code, settings."""
    parts = [fingerprint(course.root / "source" / course.assignment)]
    for package in ("verify", "rubric", "kernel"):
        parts.append(fingerprint(config.ROOT / "nndebug" / package))
    parts.append(config.RUBRIC_FILE.read_text(encoding="utf-8"))
    parts.append(json.dumps(settings.as_dict(config.kit()), sort_keys=True, default=str))
    parts.append(json.dumps(course.limits.__dict__, sort_keys=True))
    return "|".join(parts)


def load_state(course: Course) -> dict:
    path = course.autograded / STATE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(course: Course, state: dict) -> None:
    course.autograded.mkdir(parents=True, exist_ok=True)
    (course.autograded / STATE_FILE).write_text(json.dumps(state, indent=1, sort_keys=True))
