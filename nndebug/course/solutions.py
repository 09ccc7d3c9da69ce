"""The reference solutions, extracted one way: an answer cell's solution in ``source/`` (or the authoring
source) with nbgrader's ``### BEGIN/END SOLUTION`` marker lines removed. What the demo's sample
submissions, the screenshot, the reference run and ``make fidelity`` run."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from nndebug import config
from nndebug.course.nbcells import grade_id, is_answer

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def solution_text(source: str) -> str:
    """An answer cell's source as the reference solution: marker lines removed."""
    return SOLUTION_MARKERS.sub("", source).strip("\n")


def reference_fix(task: int) -> str:
    """The reference solution of ``taskN_fix``, from the task's authoring source."""
    from nndebug.course import assemble

    return solution_text(next(c.source for c in assemble.build(task).cells if c.id == f"task{task}_fix"))


def given_cell(task: int, cell_id: str) -> str:
    """The source of a given cell of the task's notebook (``experiment``: the datasets, and the seed's buggy
    model, optimizer and trainer, as the autograder runs them before the fix cell)."""
    from nndebug.course import assemble

    return next(c.source for c in assemble.build(task).cells if c.id == cell_id)


def answered(release_nb: dict[str, Any], source_nb: dict[str, Any]) -> dict[str, Any]:
    """The release notebook with each answer cell holding the source's solution."""
    solutions = {grade_id(c): "".join(c["source"]) for c in source_nb["cells"]}
    answers = {grade_id(c) for c in release_nb["cells"] if is_answer(c)}
    out = copy.deepcopy(release_nb)
    for cell in out["cells"]:
        gid = grade_id(cell)
        if gid in answers and gid in solutions:
            cell["source"] = solution_text(solutions[gid])
    return out


def write_samples(submitted: Path, prefix: str = "demo") -> list[Path]:
    """Write ``<prefix>_reference`` (the release answered with the solutions) and ``<prefix>_untouched``
    under ``submitted``; return their folders."""
    assignment = config.assignment()
    release = config.RELEASE_DIR / assignment
    notebooks = sorted(release.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks in {release}: run `make release` first")
    folders = []
    for student in (f"{prefix}_reference", f"{prefix}_untouched"):
        out = submitted / student / assignment
        out.mkdir(parents=True, exist_ok=True)
        for path in notebooks:
            nb = json.loads(path.read_text(encoding="utf-8"))
            if student.endswith("_reference"):
                source = config.SOURCE_DIR / assignment / path.name
                nb = answered(nb, json.loads(source.read_text(encoding="utf-8")))
            text = json.dumps(nb, ensure_ascii=False, indent=1) + "\n"
            (out / path.name).write_text(text, encoding="utf-8")
        folders.append(out.parent)
    return folders
