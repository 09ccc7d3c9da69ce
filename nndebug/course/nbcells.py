"""nbgrader's cell metadata, read one way everywhere: grade ids, test/answer/given cells, finding a cell.

Works on ``nbformat.NotebookNode`` cells and on plain JSON dicts alike.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def meta(cell: Mapping[str, Any]) -> Mapping[str, Any]:
    """The cell's ``metadata.nbgrader`` ({} when it has none or it is malformed)."""
    metadata = cell.get("metadata", {})
    found = metadata.get("nbgrader", {}) if isinstance(metadata, Mapping) else {}
    return found if isinstance(found, Mapping) else {}


def grade_id(cell: Mapping[str, Any]) -> str:
    """The cell's nbgrader grade id ('' when it has none)."""
    value = meta(cell).get("grade_id", "")
    return value if isinstance(value, str) else ""


def is_test_cell(cell: Mapping[str, Any]) -> bool:
    """An autograder test cell: a graded code cell that is not an answer."""
    info = meta(cell)
    return cell.get("cell_type") == "code" and bool(info.get("grade")) and not info.get("solution")


def is_answer(cell: Mapping[str, Any]) -> bool:
    """A cell the student writes in (nbgrader's "solution")."""
    return bool(meta(cell).get("solution"))


def is_given(cell: Mapping[str, Any]) -> bool:
    """A locked cell that is neither an answer nor a test: given code or text, restored at grading."""
    info = meta(cell)
    return bool(info.get("locked")) and not info.get("solution") and not info.get("grade")


def points(cell: Mapping[str, Any]) -> float:
    """The points a graded cell is worth (0 when it is not graded)."""
    return float(meta(cell).get("points", 0) or 0)


def find_cell(cells: Iterable[Any], wanted: str) -> Any | None:
    """The first cell of ``cells`` whose grade id is ``wanted``."""
    return next((cell for cell in cells if grade_id(cell) == wanted), None)
