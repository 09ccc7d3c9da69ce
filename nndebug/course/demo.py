"""``make demo``'s own course, ``demo/``: the kit's two samples, graded apart from any class.

The samples (``demo_reference``, ``demo_untouched``) never enter the course's ``submitted/``, so a real
class's ``make autograde`` and ``make return`` never see them; ``demo/`` holds a copy of the course's
source and release notebooks and its nbgrader configuration, and its own ``submitted/``, ``autograded/``,
``feedback/`` and ``gradebook.db`` (``make demo`` runs ``autograde --root demo``). The samples are the
seed's notebooks: a demo course (its :data:`MARKER` file) is graded without per-student variants even when
kit.toml turns them on for the class (:func:`is_demo`).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from nndebug import config
from nndebug.course.solutions import write_samples

MARKER = "DEMO_COURSE"   # in a demo course's root: its students are the kit's samples, never a class's


def is_demo(root: Path) -> bool:
    """Is ``root`` a demo course (written by :func:`write_demo_course`)?"""
    return (root / MARKER).is_file()


def write_demo_course(course: Path = config.DEMO_DIR, prefix: str = "demo") -> list[Path]:
    """Copy the source and release notebooks into ``course`` and write the samples in its ``submitted/``;
    return the samples' folders."""
    assignment = config.assignment()
    releases = sorted(p for p in config.RELEASE_DIR.glob(f"{assignment}*") if p.is_dir())
    if not releases or not (config.SOURCE_DIR / assignment).is_dir():
        raise FileNotFoundError(f"no {config.RELEASE_DIR / assignment} or {config.SOURCE_DIR / assignment}: "
                                "run `make release` first")
    for src in [config.SOURCE_DIR / assignment, *releases]:
        dest = course / src.parent.name / src.name
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest)
    shutil.copy2(config.ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    (course / MARKER).write_text("make demo's course: the kit's sample submissions, graded as the seed's "
                                 "notebooks (no per-student variants); never a class's submissions.\n")
    return write_samples(course / "submitted", prefix)
