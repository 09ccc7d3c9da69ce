"""Given (locked) cells a student edited: nbgrader silently restores them at autograde, so a fix made there
is undone. The report and the feedback name them and say that a fix goes in the answer cell."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode

from nndebug.course.nbcells import grade_id, is_answer, is_given


def _locked(nb: NotebookNode) -> dict[str, str]:
    """{grade_id: source} of the given code cells (locked, neither answers nor tests). Given text is left
    out: the English release's differs from the Russian one the gradebook holds."""
    return {grade_id(cell): cell.source for cell in nb.cells
            if cell.cell_type == "code" and is_given(cell) and grade_id(cell)}


def edited(submitted: NotebookNode, given: NotebookNode, *also: NotebookNode) -> list[str]:
    """Grade ids of the given cells whose code the student changed (whitespace aside): like no release's
    (``given``, the one the gradebook holds, or one of ``also``, e.g. the English release)."""
    theirs = _locked(submitted)
    releases = [_locked(nb) for nb in (given, *also)]
    return [grade_id for grade_id in releases[0] if grade_id in theirs
            and all(theirs[grade_id].split() != r.get(grade_id, releases[0][grade_id]).split()
                    for r in releases)]


def fix_cell(nb: NotebookNode) -> str:
    """The grade id of the notebook's code answer cell (where a fix goes)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and is_answer(cell) and grade_id(cell):
            return grade_id(cell)
    return "the answer cell"


def check_files(submitted: Path, given: Path, *also: Path) -> str:
    """What to tell about edited given cells of ``submitted`` (against ``given`` and the other releases
    ``also`` a student may have had); empty when none."""
    try:
        theirs, ours = nbformat.read(submitted, as_version=4), nbformat.read(given, as_version=4)
        others = [nbformat.read(path, as_version=4) for path in also if path.is_file()]
    except Exception:  # noqa: BLE001 - unreadable notebooks are reported elsewhere
        return ""
    cells = edited(theirs, ours, *others)
    return message(cells, fix_cell(ours)) if cells else ""


def message(cells: list[str], fix_cell: str) -> str:
    """What a TA and a student read about restored cells."""
    names = ", ".join(f"`{c}`" for c in cells)
    return (f"the given cell(s) {names} were edited; grading restored them as released, so any fix made "
            f"there was undone: a fix must go in the answer cell `{fix_cell}`")
