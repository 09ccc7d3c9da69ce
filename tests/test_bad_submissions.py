"""Broken and misbehaving submissions each get a grade or a clear reason; nobody else's result changes."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
import toy_course as toy

from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.limits import Limits
from nndebug.autograde.stage import Inputs

pytestmark = pytest.mark.slow
LIMITS = replace(Limits.from_settings(),
                 cell_timeout_s=6, notebook_timeout_s=40, memory_mb=1024, max_processes=64, max_output_kb=64)


def _delete_test(nb):
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                != "task1_fix_test"]


def _edit_test(nb):
    toy.cell(nb, "task1_fix_test").source = "pass"


def _change_metadata(nb):
    meta = toy.cell(nb, "task1_fix").metadata["nbgrader"]
    meta.update({"grade": True, "points": 100, "locked": True})
    toy.cell(nb, "task1_fix_test").metadata["nbgrader"]["points"] = 50


def _v3(nb):
    return None


SUBMISSIONS = {
    "honest": toy.honest,
    "untouched": None,
    "raises": toy.fix("answer = 42\nraise ValueError('student bug')"),
    "infinite_loop": toy.fix("answer = 42\nwhile True:\n    pass"),
    "os_exit": toy.fix("import os\nos._exit(3)"),
    "out_of_memory": toy.fix("answer = 42\nhog = bytearray(3 * 1024**3)"),
    "megabytes": toy.fix("answer = 42\nfor _ in range(200):\n    print('x' * 20000)"),
    "test_edited": lambda nb: (toy.fix("answer = 41")(nb), _edit_test(nb)),
    "test_deleted": lambda nb: (toy.fix("answer = 41")(nb), _delete_test(nb)),
    "metadata_changed": lambda nb: (toy.honest(nb), _change_metadata(nb)),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = toy.build(tmp_path_factory.mktemp("bad"))
    data, model = toy.inputs(root)
    for student, edit in SUBMISSIONS.items():
        toy.submit(root, student, edit)
    toy.submit(root, "not_json", raw="{ this is not json")
    toy.submit(root, "nbformat3", raw=json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [],
                                                   "metadata": {}}))
    (root / "submitted" / "missing" / toy.ASSIGNMENT).mkdir(parents=True)
    (root / "submitted" / "missing" / toy.ASSIGNMENT / "notes.txt").write_text("forgot the notebook")
    course = Course(root=root, assignment=toy.ASSIGNMENT, inputs=Inputs(data, model), limits=LIMITS)
    outcomes = {o.student: o for o in autograde(course, echo=lambda *_: None)}
    return course, outcomes, toy.scores(root), (root / "autograded" / "report.md").read_text()


def total(scores, student):
    return sum(scores[student].values())


def test_honest_and_untouched_grades(graded):
    _, outcomes, scores, _ = graded
    assert total(scores, "honest") == 3
    assert scores["untouched"]["task1_fix_test"] == 0 and scores["untouched"]["task1_explanation_test"] == 0
    assert outcomes["honest"].problems == []


@pytest.mark.parametrize("student", ["not_json", "nbformat3", "missing"])
def test_unreadable_or_missing_notebook_scores_zero_with_reason(graded, student):
    course, outcomes, scores, report = graded
    assert total(scores, student) == 0
    assert outcomes[student].status == "graded"
    message = " ".join(p.message for p in outcomes[student].problems)
    assert {"not_json": "not JSON", "nbformat3": "nbformat 3", "missing": "is missing"}[student] in message
    assert f"## {student}" in report


def test_cell_that_raises_fails_only_its_own_tests(graded):
    _, _, scores, _ = graded
    assert scores["raises"]["task1_fix_test"] == 1          # answer was set before the raise
    assert scores["raises"]["task1_explanation_test"] == 1


def test_infinite_loop_is_stopped_by_the_cell_limit(graded):
    _, outcomes, scores, _ = graded
    assert "time limit" in " ".join(p.message for p in outcomes["infinite_loop"].problems)
    assert scores["infinite_loop"]["task1_fix_test"] == 1    # later cells still run after the interrupt


def test_dead_kernel_is_reported_and_graded(graded):
    _, outcomes, scores, report = graded
    assert total(scores, "os_exit") == 0
    assert "kernel died" in " ".join(p.message for p in outcomes["os_exit"].problems)
    assert "## os_exit" in report


def test_memory_limit_fails_inside_the_kernel(graded):
    course, _, scores, _ = graded
    assert "MemoryError" in toy.outputs_text(course.root, "out_of_memory")
    assert scores["out_of_memory"]["task1_fix_test"] == 1


def test_megabytes_of_output_are_cut(graded):
    course, outcomes, scores, _ = graded
    nb_size = (course.autograded / "megabytes" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.ipynb").stat().st_size
    assert nb_size < 4 * LIMITS.max_output_kb * 1024
    assert "output limit" in " ".join(p.message for p in outcomes["megabytes"].problems)
    assert total(scores, "megabytes") == 3


def test_edited_or_deleted_test_cells_are_restored(graded):
    _, _, scores, _ = graded
    for student in ("test_edited", "test_deleted"):
        assert scores[student]["task1_fix_test"] == 0      # the real test ran on answer = 41


def test_changed_answer_metadata_does_not_change_points(graded):
    _, _, scores, _ = graded
    assert scores["metadata_changed"]["task1_fix_test"] == 1
    assert total(scores, "metadata_changed") == 3


def test_outputs_written(graded):
    course, _, scores, _ = graded
    assert (course.root / "grades.csv").read_text().startswith("assignment,")
    assert set(scores) == set(SUBMISSIONS) | {"not_json", "nbformat3", "missing"}
    assert (course.root / "feedback" / "honest" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.html").exists()
    similarity = (course.root / "autograded" / "similarity.md").read_text(encoding="utf-8")
    assert "Nothing here changes a grade" in similarity and "submitted/not_json/" in similarity
