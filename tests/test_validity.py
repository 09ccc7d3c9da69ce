"""Validity with real ``nbgrader autograde``: the reference solutions score full, the untouched release 0,
right fixes in other styles full, wrong and partial fixes 0 on the fix tests, and written answers in Russian
and English as the rubric says.

One temporary course; every student hands in ONE notebook (one fix + one answer), all graded in one
``nbgrader autograde`` run. Each notebook runs against the data the autograder stages for it
(``config.grading_data``).
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from fix_variants import ENGLISH_ANSWERS, FIXES, PARTIAL_ANSWERS, SEED_ANSWERS, WRONG_ANSWERS
from nbgrader.api import Gradebook

from nndebug import config
from nndebug.grading import explanations
from nndebug.notebook import release

pytestmark = pytest.mark.slow
PLACEHOLDER = "YOUR ANSWER HERE"
COURSE_CONFIG = "c.Execute.timeout = 900\nc.Autograde.create_student = True\n"


@dataclass(frozen=True)
class Submission:
    student: str
    task: int
    fix: str | None          # None: the release's placeholder, untouched
    answer: str | None       # None: the release's placeholder, untouched
    fix_right: bool


def reference(task: int, grade_id: str) -> str:
    notebook = json.loads((config.SOURCE_DIR / config.assignment() / notebook_name(task)).read_text())
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    return "".join(cell["source"])


def notebook_name(task: int) -> str:
    return f"{config.task(task)['notebook']}.ipynb"


def submissions() -> list[Submission]:
    """Per task: the reference, the untouched release, three other right and three wrong fixes; right fixes
    carry right or partial answers (ru, en), wrong fixes a wrong cause, an empty answer or the placeholder."""
    out = []
    for task in config.TASKS:
        out.append(Submission(f"t{task}_reference", task, reference(task, f"task{task}_fix"),
                              reference(task, f"task{task}_explanation"), True))
        out.append(Submission(f"t{task}_release", task, None, None, False))
        right = [f for f in FIXES[task] if f.right][:3]
        wrong = [f for f in FIXES[task] if not f.right][:3]
        for fix, answer in zip(right, (SEED_ANSWERS[task], ENGLISH_ANSWERS[task], PARTIAL_ANSWERS[task]),
                               strict=True):
            out.append(Submission(f"t{task}_right_{fix.name}", task, fix.code, answer, True))
        for fix, answer in zip(wrong, (WRONG_ANSWERS[task], "", None), strict=True):
            out.append(Submission(f"t{task}_wrong_{fix.name}", task, fix.code, answer, False))
    return out


def write_submission(course: Path, release_dir: Path, sub: Submission) -> None:
    notebook = json.loads((release_dir / notebook_name(sub.task)).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id == f"task{sub.task}_fix" and sub.fix is not None:
            cell["source"] = sub.fix.strip("\n")
        if grade_id == f"task{sub.task}_explanation" and sub.answer is not None:
            cell["source"] = sub.answer
    folder = course / "submitted" / sub.student / config.assignment()
    folder.mkdir(parents=True)
    (folder / notebook_name(sub.task)).write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    # The data the autograder stages for this notebook (kit.toml [tasks.N] grading_*_per_class).
    shutil.copytree(config.grading_data(config.task(sub.task)["notebook"]), folder / "mnist_data")
    if sub.task == 3:
        shutil.copy(config.MODEL_FILE, folder / "pretrained_model.pt")


def autograde_scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """Grade every submission of the course; (student, grade_id) -> (score, max_score).
    The one place to switch to the kit's own ``make autograde`` (autograded/scores.csv)."""
    release.nbgrader(course, "autograde", config.assignment(), "--create", "--force")
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "nn_debug_release") as gradebook:
        for student in gradebook.students:
            for submission in gradebook.assignment_submissions(config.assignment()):
                if submission.student.id != student.id:
                    continue
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        scores[(student.id, grade.name)] = (grade.score or 0.0, grade.max_score)
    return scores


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, grading_subset: Path,
           pretrained_model: Path) -> dict[tuple[str, str], tuple[float, float]]:
    course = tmp_path_factory.mktemp("course")
    release_dir = release.init_course(course, config.SOURCE_DIR / config.assignment(), COURSE_CONFIG)
    for sub in submissions():
        write_submission(course, release_dir, sub)
    return autograde_scores(course)


def total(scores: dict, student: str, prefix: str) -> tuple[float, float]:
    rows = [value for (who, grade_id), value in scores.items()
            if who == student and grade_id.startswith(prefix)]
    return sum(r[0] for r in rows), sum(r[1] for r in rows)


@pytest.mark.parametrize("sub", submissions(), ids=lambda s: s.student)
def test_fix_tests_score_as_expected(graded, sub: Submission) -> None:
    got, top = total(graded, sub.student, f"task{sub.task}_fix")
    assert top == pytest.approx(config.task(sub.task)["points_fix"])
    assert got == pytest.approx(top if sub.fix_right else 0.0), f"{sub.student}: fix scored {got}/{top}"


@pytest.mark.parametrize("sub", submissions(), ids=lambda s: s.student)
def test_explanation_scores_as_the_rubric_says(graded, sub: Submission) -> None:
    got, top = graded[(sub.student, f"task{sub.task}_explanation_rubric")]
    expected = explanations.score(sub.task, PLACEHOLDER if sub.answer is None else sub.answer)
    assert got == pytest.approx(expected), f"{sub.student}: answer scored {got}/{top}"
    if sub.answer in (None, "") or sub.answer == WRONG_ANSWERS[sub.task]:
        assert got == 0
    if sub.student.endswith("reference") or sub.answer in (SEED_ANSWERS[sub.task], ENGLISH_ANSWERS[sub.task]):
        assert got == pytest.approx(top)
