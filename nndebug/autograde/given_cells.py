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


def edited(submitted: NotebookNode, given: NotebookNode) -> list[str]:
    """Grade ids of the given cells whose code the student changed (whitespace aside)."""
    theirs = _locked(submitted)
    return [grade_id for grade_id, source in _locked(given).items()
            if grade_id in theirs and theirs[grade_id].split() != source.split()]


def fix_cell(nb: NotebookNode) -> str:
    """The grade id of the notebook's code answer cell (where a fix goes)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and is_answer(cell) and grade_id(cell):
            return grade_id(cell)
    return "the answer cell"


def check_files(submitted: Path, given: Path) -> str:
    """What to tell about edited given cells of ``submitted`` (against ``given``); empty when none."""
    try:
        theirs, ours = nbformat.read(submitted, as_version=4), nbformat.read(given, as_version=4)
    except Exception:  # noqa: BLE001 - unreadable notebooks are reported elsewhere
        return ""
    cells = edited(theirs, ours)
    return message(cells, fix_cell(ours)) if cells else ""


def message(cells: list[str], fix_cell: str) -> str:
    """What a TA and a student read about restored cells."""
    names = ", ".join(f"`{c}`" for c in cells)
    return (f"the given cell(s) {names} were edited; grading restored them as released, so any fix made "
            f"there was undone: a fix must go in the answer cell `{fix_cell}`")
