"""kit.toml [feedback]: how much a student's feedback shows, before and after the due date.

"measured": every check's measurements, why and where to look, and each answer's score, but no rubric point
by name (an answer handed in early must not teach the key to the others); "all": also the rubric points
named and missed. ``make autograde`` writes feedback at the level of the moment and records it beside the
feedback; ``make return`` regenerates feedback written at another level before it sends any.
"""
from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from nndebug import config, deadline

LEVEL_ENV = "NN_DEBUG_FEEDBACK_LEVEL"      # set for nbgrader generate_feedback by the kit
MARKER = ".feedback-level"                 # feedback/<student>/<assignment>/.feedback-level
LEVELS = ("measured", "all")


def current_level(now: datetime | None = None) -> str:
    """The level kit.toml [feedback] wants now: ``before_due`` until the due date, then ``after_due``
    (``after_due`` when no due date is set)."""
    kit = config.kit()
    due = deadline.parse_due(kit.collect.due, kit.collect.timezone)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    return kit.feedback.before_due if due is not None and now < due else kit.feedback.after_due


def level_in_effect() -> str:
    """The level of the feedback being generated: the kit's choice passed in the environment, else now's."""
    level = os.environ.get(LEVEL_ENV, "")
    return level if level in LEVELS else current_level()


def recorded_level(folder: Path) -> str:
    """The level a student's feedback folder was written at ('' when unknown)."""
    path = folder / MARKER
    return path.read_text().strip() if path.is_file() else ""


def record_level(folder: Path, level: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(level)
