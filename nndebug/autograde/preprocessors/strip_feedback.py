"""Feedback without the hidden tests: what a student may see of an autograded notebook.

Test cells keep their grade and, for visible tests, their messages (stdout, ``ename: evalue`` of a
failure), but not their code; nbgrader restores hidden tests into the autograded notebook, and its
feedback would show them (nbgrader #1363, #917). Outputs of every other cell are dropped: a student's
cell could have printed the grading package's source, and tracebacks quote the code they pass through.
"""
from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

HIDDEN_SOURCE = "# Test cell {grade_id}: its code is not part of the feedback."


HIDDEN_DELIMITER = "BEGIN HIDDEN TESTS"  # nbgrader's ClearHiddenTests default


def test_messages(outputs: list, hidden: bool) -> list[NotebookNode]:
    """What a test cell tells the student: for a visible test its stdout and ``ename: evalue``; for one
    with hidden parts only the error's name (its messages could tell what the hidden test checks)."""
    kept = []
    for out in outputs:
        if out.get("output_type") == "stream" and out.get("name") == "stdout" and not hidden:
            kept.append(new_output("stream", name="stdout", text=out.get("text", "")))
        elif out.get("output_type") == "error":
            name = out.get("ename", "Error")
            line = name if hidden else f"{name}: {out.get('evalue', '')}".rstrip(": ")
            kept.append(new_output("stream", name="stdout", text=f"Failed: {line}\n"))
    return kept


class StripFeedback(NbGraderPreprocessor):
    """Replace test cells' code by a note, keep their messages; drop every other cell's outputs."""

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int):
        if cell.cell_type != "code":
            return cell, resources
        if is_grade(cell) and not is_solution(cell):
            grade_id = cell.metadata["nbgrader"].get("grade_id", "")
            hidden = HIDDEN_DELIMITER in cell.source
            cell.source = HIDDEN_SOURCE.format(grade_id=grade_id)
            cell.outputs = test_messages(cell.get("outputs", []), hidden)
        else:
            cell.outputs = []
        return cell, resources
