"""End to end on the real release: the reference solutions get full marks through `autograde`, feedback
shows no hidden-test line, and an attack from a real task's fix cell is contained."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from nndebug import config
from nndebug.autograde.feedback import hidden_test_lines, leaked_lines
from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.scores import read_csv

pytestmark = pytest.mark.slow
ATTACK = '''
import os
for _path in ("../../../source", "../../../gradebook.db", "../../reference"):
    try:
        os.listdir(_path) if not _path.endswith(".db") else open(_path, "rb").read(16)
        print("LEAKED", _path)
    except OSError as _err:
        print("CONTAINED", _path, type(_err).__name__)
'''


def fix_cell(nb, task: int):
    return next(c for c in nb.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"task{task}_fix")


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_subset, pretrained_model):
    assignment = config.assignment()
    root = tmp_path_factory.mktemp("release")
    for name in ("source", "release"):
        if not (config.ROOT / name / assignment).is_dir():
            pytest.skip(f"{name}/{assignment} is not built (make release)")
        shutil.copytree(config.ROOT / name / assignment, root / name / assignment)
    shutil.copy2(config.ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    # The reference solutions, as a student would submit them.
    shutil.copytree(root / "source" / assignment, root / "submitted" / "reference" / assignment)
    # An attacker who submits only task 2: the honest fix, then a probe of the course directory.
    task2 = config.task(2)["notebook"]
    nb = nbformat.read(root / "source" / assignment / f"{task2}.ipynb", as_version=4)
    fix_cell(nb, 2).source += "\n" + ATTACK
    (root / "submitted" / "attacker" / assignment).mkdir(parents=True)
    nbformat.write(nb, root / "submitted" / "attacker" / assignment / f"{task2}.ipynb")
    course = Course(root=root)
    outcomes = {o.student: o for o in autograde(course, echo=lambda *_: None)}
    return course, outcomes, read_csv(root / "autograded" / "scores.csv")


def task_score(rows, student, prefix):
    mine = [r for r in rows if r["student_id"] == student and r["grade_id"].startswith(prefix)]
    return sum(float(r["score"] or 0) for r in mine), sum(float(r["max_score"] or 0) for r in mine)


@pytest.mark.parametrize("task", config.TASKS)
def test_reference_solution_gets_full_marks(graded, task):
    _, outcomes, rows = graded
    for kind in ("fix", "explanation"):
        got, top = task_score(rows, "reference", f"task{task}_{kind}")
        assert top > 0 and got == top, (kind, got, top, outcomes["reference"].problems)


def test_feedback_shows_no_hidden_test(graded):
    course, _, _ = graded
    secret = hidden_test_lines(course.root / "source" / course.assignment,
                               course.root / "release" / course.assignment)
    files = sorted((course.root / "feedback").rglob("*.html"))
    assert len(files) == 4 and secret
    for path in files:
        assert leaked_lines(path, secret) == [], path


def test_attack_from_a_real_fix_cell_is_contained(graded):
    course, outcomes, rows = graded
    task2 = config.task(2)["notebook"]
    nb = nbformat.read(course.autograded / "attacker" / course.assignment / f"{task2}.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "CONTAINED" in text and "LEAKED" not in text
    got, top = task_score(rows, "attacker", "task2_fix")
    assert top > 0 and got == top
    assert "is missing" in " ".join(p.message for p in outcomes["attacker"].problems)
