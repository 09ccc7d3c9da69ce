"""Settings that change safely: a changed source updates the gradebook's points, a rebuilt gradebook with one
student regraded keeps every other student's rows, and scores are written as points are given."""
from __future__ import annotations

from dataclasses import replace

import nbformat
import pytest
import toy_course as toy

from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.limits import Limits
from nndebug.autograde.scores import read_csv
from nndebug.autograde.stage import Inputs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = toy.build(tmp_path_factory.mktemp("change"))
    data, model = toy.inputs(root)
    toy.submit(root, "ann", toy.honest)
    toy.submit(root, "ben", toy.fix("answer = 42", "no idea"))
    course = Course(root=root, assignment=toy.ASSIGNMENT, inputs=Inputs(data, model),
                    limits=replace(Limits.from_settings(), cell_timeout_s=20, notebook_timeout_s=60))
    autograde(course, echo=lambda *_: None)
    return course


def max_score(course: Course, student: str, grade_id: str) -> float:
    rows = read_csv(course.autograded / "scores.csv")
    return next(float(r["max_score"]) for r in rows
                if r["student_id"] == student and r["grade_id"] == grade_id)


def test_changed_points_in_the_source_reach_the_gradebook(course) -> None:
    assert max_score(course, "ann", "task1_fix_test") == 1
    path = course.root / "source" / course.assignment / f"{toy.NOTEBOOK}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    toy.cell(nb, "task1_fix_test").metadata["nbgrader"]["points"] = 0.3
    nbformat.write(nb, str(path))
    autograde(course, echo=lambda *_: None)  # the source changed: the gradebook follows, everyone is regraded
    assert max_score(course, "ann", "task1_fix_test") == pytest.approx(0.3)
    assert max_score(course, "ben", "task1_fix_test") == pytest.approx(0.3)


def test_a_rebuilt_gradebook_and_one_regrade_keep_every_row(course) -> None:
    before = {r["student_id"]: r for r in read_csv(course.root / "grades.csv")}
    (course.root / "gradebook.db").unlink()
    autograde(course, students=["ann"], force=True, echo=lambda *_: None)
    after = {r["student_id"]: r for r in read_csv(course.root / "grades.csv")}
    assert set(after) == set(before) == {"ann", "ben"}
    assert after["ben"]["score"] == before["ben"]["score"]
    assert {r["student_id"] for r in read_csv(course.autograded / "scores.csv")} == {"ann", "ben"}
    for row in after.values():  # 0.3 + 1 + 1, not 2.3000000000000003
        assert len(row["score"]) <= 6 and len(row["max_score"]) <= 6, row
