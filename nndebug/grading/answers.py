"""The student's written answers, read from the submission, never from the running kernel's state.

``NN_DEBUG_ANSWERS`` names a JSON file ``{grade_id: source}`` that the autograder writes from the
submitted notebook before any student code runs; without it the answer cell is read from the
``*.ipynb`` files of the current directory (nbgrader runs the kernel beside the submitted notebook).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

ANSWERS_ENV = "NN_DEBUG_ANSWERS"


def grade_id(task_number: int, kind: str = "explanation") -> str:
    """``taskN_explanation`` / ``taskN_fix``."""
    return f"task{task_number}_{kind}"


def explanation(task_number: int, directory: Path | None = None) -> str:
    """The source of the ``taskN_explanation`` cell ('' when the submission has none)."""
    return answer(grade_id(task_number), directory)


def answer(cell_grade_id: str, directory: Path | None = None) -> str:
    """The source of the answer cell with this grade_id."""
    answers_file = os.environ.get(ANSWERS_ENV)
    if answers_file:
        with open(answers_file, encoding="utf-8") as fh:
            return str(json.load(fh).get(cell_grade_id, ""))
    for path in sorted((directory or Path.cwd()).glob("*.ipynb")):
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in notebook.get("cells", []):
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == cell_grade_id:
                source = cell.get("source", "")
                return "".join(source) if isinstance(source, list) else str(source)
    return ""
