"""A tiny nbgrader course shaped like the kit's: the autograder's tests and attacks run against it.

One notebook, ``toy.ipynb``, with a fix cell (``task1_fix``), its visible and hidden tests, a markdown
explanation (``task1_explanation``) scored by a test that reads the submitted notebook, and a test that the
staged data and model are there. Each cell runs in milliseconds.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nndebug.course.nbgrader_cli import run_nbgrader

ASSIGNMENT = "toyhw"
NOTEBOOK = "toy"
HIDDEN_MARKER = "toy-hidden-check-7f3a"  # appears only in the hidden test: feedback must not show it
CONFIG = '''from nndebug.autograde.nbconfig import configure
from nndebug.autograde.preprocessors import Verify

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "toy"
configure(c)
# The toy's tests run in the kernel: it exercises the sandbox, not the verifier (the kit has no off switch).
c.Autograde.autograde_preprocessors = [p for p in c.Autograde.autograde_preprocessors if p is not Verify]
'''


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float = 0) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook() -> nbformat.NotebookNode:
    """The instructor's version, with the solution and hidden tests."""
    cells = [
        new_markdown_cell("# Toy assignment\nSet `answer` to 42 and explain why."),
        new_code_cell("import json, os\nanswer = None", metadata=_meta("given", grade=False,
                                                                       solution=False, locked=True)),
        new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION",
                      metadata=_meta("task1_fix", grade=False, solution=True, locked=False)),
        new_code_cell("assert answer is not None, 'set answer'\n### BEGIN HIDDEN TESTS\n"
                      f"assert answer == 42, '{HIDDEN_MARKER}'\n### END HIDDEN TESTS",
                      metadata=_meta("task1_fix_test", grade=True, solution=False, locked=True, points=1)),
        new_code_cell("assert os.path.isfile('mnist_data/train.csv'), 'no staged data'\n"
                      "assert os.path.isfile('pretrained_model.pt'), 'no staged model'",
                      metadata=_meta("task1_fix_staged", grade=True, solution=False, locked=True, points=1)),
        new_markdown_cell("YOUR ANSWER HERE",
                          metadata=_meta("task1_explanation", grade=True, solution=True, locked=False)),
        new_code_cell("answers = [''.join(c['source']) for c in json.load(open('toy.ipynb'))['cells'] if "
                      "c['metadata'].get('nbgrader', {}).get('grade_id') == 'task1_explanation']\n"
                      "### BEGIN HIDDEN TESTS\n"
                      f"assert any('42' in a for a in answers), '{HIDDEN_MARKER}'\n"
                      "### END HIDDEN TESTS",
                      metadata=_meta("task1_explanation_test", grade=True, solution=False, locked=True,
                                     points=1)),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def build(root: Path) -> Path:
    """Write the course under ``root`` and release it with ``nbgrader generate_assignment``."""
    (root / "source" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG)
    nbformat.write(source_notebook(), root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    if run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force"):
        raise RuntimeError(f"{root}: nbgrader generate_assignment {ASSIGNMENT} failed (output above)")
    return root


def inputs(root: Path) -> tuple[Path, Path]:
    """A stand-in grading subset and model for the toy course (files the staged test looks for)."""
    data, model = root / "inputs" / "mnist_data", root / "inputs" / "pretrained_model.pt"
    data.mkdir(parents=True, exist_ok=True)
    (data / "train.csv").write_text("image_name,label\n")
    model.write_bytes(b"toy model")
    return data, model


def released(root: Path) -> nbformat.NotebookNode:
    """The student's version."""
    return nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)


def cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    """The cell of ``nb`` with this grade_id."""
    for c in nb.cells:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return c
    raise KeyError(grade_id)


def honest(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Full marks: the fix and an explanation that mentions 42."""
    cell(nb, "task1_fix").source = "answer = 42"
    cell(nb, "task1_explanation").source = "The answer is 42."
    return nb


def submit(root: Path, student: str, edit: Callable[[nbformat.NotebookNode], object] | None = None,
           raw: str | None = None) -> Path:
    """Write ``submitted/<student>/toyhw/toy.ipynb``: the release edited by ``edit``, or ``raw`` text."""
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{NOTEBOOK}.ipynb"
    if raw is not None:
        path.write_text(raw)
        return path
    nb = released(root)
    result = edit(nb) if edit else None
    nb = result if isinstance(result, nbformat.NotebookNode) else nb
    path.write_text(json.dumps(nb, indent=1))
    return path


def fix(code: str, explanation: str = "The answer is 42.") -> Callable[[nbformat.NotebookNode], None]:
    """An edit that puts ``code`` in the fix cell and ``explanation`` in the explanation cell."""
    def edit(nb: nbformat.NotebookNode) -> None:
        cell(nb, "task1_fix").source = code
        cell(nb, "task1_explanation").source = explanation
    return edit


def scores(root: Path) -> dict[str, dict[str, float]]:
    """{student: {grade_id: score}} from ``autograded/scores.csv``."""
    from nndebug.autograde.scores import read_csv

    out: dict[str, dict[str, float]] = {}
    for row in read_csv(root / "autograded" / "scores.csv"):
        out.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["score"] or 0)
    return out


def outputs_text(root: Path, student: str) -> str:
    """All outputs of the student's autograded toy notebook, as text."""
    nb = nbformat.read(root / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    return json.dumps([c.get("outputs", []) for c in nb.cells])
