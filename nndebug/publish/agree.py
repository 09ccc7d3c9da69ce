"""Whether kit.toml, ``source/`` and the published tree (``dist/student/``) still agree.

kit.toml's points reach the gradebook only through ``make release`` (source/), and students see them only
through ``make publish`` (dist/student/): a change made in one place and not carried on is named, with the
command that carries it on.
"""
from __future__ import annotations

import json
from pathlib import Path

from nndebug import config
from nndebug.course import assemble, nbcells


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8")).get("cells", [])


def points_in(notebook: Path, task: int) -> tuple[float, float]:
    """(fix points, explanation points) the notebook's test cells give task ``task``."""
    fix = expl = 0.0
    for cell in _cells(notebook):
        gid = nbcells.grade_id(cell)
        if not nbcells.is_test_cell(cell):
            continue
        if gid.startswith(f"task{task}_fix"):
            fix += nbcells.points(cell)
        elif gid == f"task{task}_explanation_rubric":
            expl += nbcells.points(cell)
    return round(fix, 4), round(expl, 4)


def disagreements(root: Path = config.ROOT, dist: Path | None = None) -> list[str]:
    """Each place where kit.toml, ``source/`` and ``dist/student/`` disagree, with the fix."""
    found = []
    assignment = config.assignment()
    source = root / "source" / assignment
    for number in config.TASKS:
        settings = config.kit().tasks[number]
        path = source / f"{settings.notebook}.ipynb"
        if not path.is_file():
            continue
        fix, expl = points_in(path, number)
        wanted = (round(settings.points_fix, 4), round(settings.points_explanation, 4))
        if (fix, expl) != wanted:
            found.append(f"kit.toml [tasks.{number}] gives {wanted[0]:g} + {wanted[1]:g} points, but "
                         f"source/{assignment}/{path.name} (what the gradebook grades with) gives {fix:g} + "
                         f"{expl:g}: run `make release`, then `make autograde` (and publish again: students "
                         "see the points in their notebooks)")
    student = (dist or root / "dist") / "student"
    release = root / "release" / assignment
    if student.is_dir():
        for path in sorted(release.glob("*.ipynb")):
            published = student / path.name
            if published.is_file() and published.read_bytes() != path.read_bytes():
                shown = published.relative_to(root) if published.is_relative_to(root) else published
                found.append(f"the published {shown} differs from release/{assignment}/{path.name}: students "
                             "see other cells or points than the gradebook grades; `make publish` under a "
                             "new release_tag (kit.toml [course]) hands out the current release")
        english = root / "release" / f"{assignment}_{assemble.ENGLISH_FOLDER}"
        for path in sorted(english.glob("*.ipynb")):
            published = student / assemble.ENGLISH_FOLDER / path.name
            if published.is_file() and published.read_bytes() != path.read_bytes():
                found.append(f"the published {assemble.ENGLISH_FOLDER}/{path.name} differs from "
                             f"{english.name}/{path.name}: `make publish` under a new release_tag")
    return found
