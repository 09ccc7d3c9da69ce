"""Shards merged equal one unsharded run; regrading is incremental, per student, and never loses a grade."""
from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
import toy_course as toy

from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.limits import Limits
from nndebug.autograde.merge import merge
from nndebug.autograde.scores import read_csv
from nndebug.autograde.shard import parse_shard, shard_students

STUDENTS = {"ann": toy.honest, "ben": None, "cid": toy.fix("answer = 42", "no")}


def test_shards_partition_the_students():
    students = [f"s{i}" for i in range(10)]
    parts = [shard_students(students, (k, 3)) for k in (1, 2, 3)]
    assert sorted(sum(parts, [])) == sorted(students)
    assert all(parts)
    with pytest.raises(ValueError, match="k/N"):
        parse_shard("3")
    with pytest.raises(ValueError, match="between"):
        parse_shard("4/3")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = toy.build(tmp_path_factory.mktemp("shards"))
    data, model = toy.inputs(root)
    for student, edit in STUDENTS.items():
        toy.submit(root, student, edit)
    return Course(root=root, assignment=toy.ASSIGNMENT, inputs=toy_inputs(data, model),
                  limits=replace(Limits.from_settings(), cell_timeout_s=20, notebook_timeout_s=60))


def toy_inputs(data, model):
    from nndebug.autograde.stage import Inputs

    return Inputs(data, model)


def outputs(root):
    return read_csv(root / "autograded" / "scores.csv"), read_csv(root / "grades.csv")


@pytest.mark.slow
def test_three_shards_merged_equal_one_run(course, tmp_path):
    autograde(course, force=True, echo=lambda *_: None)
    whole = outputs(course.root)
    for k in (1, 2, 3):
        autograde(course, shard=(k, 3), force=True, echo=lambda *_: None)
        part = tmp_path / "shards" / f"shard-{k}"
        (part / "autograded").mkdir(parents=True)
        shutil.copy2(course.root / "grades.csv", part / "grades.csv")
        shutil.copy2(course.autograded / "scores.csv", part / "autograded" / "scores.csv")
        assert {r["student_id"] for r in read_csv(part / "grades.csv")} == set(
            shard_students(sorted(STUDENTS), (k, 3)))
    merged = tmp_path / "merged"
    assert merge(tmp_path / "shards", merged / "grades.csv", merged / "autograded" / "scores.csv") == 3
    assert outputs(merged) == whole
    assert {r["student_id"] for r in whole[0]} == set(STUDENTS)


@pytest.mark.slow
def test_regrade_is_incremental_and_keeps_others(course):
    autograde(course, echo=lambda *_: None)
    before = read_csv(course.autograded / "scores.csv")
    again = {o.student: o.status for o in autograde(course, echo=lambda *_: None)}
    assert set(again.values()) == {"skipped"}                 # nothing changed: nothing regraded
    toy.submit(course.root, "ben", toy.honest)                # ben resubmits
    again = {o.student: o.status for o in autograde(course, echo=lambda *_: None)}
    assert again == {"ann": "skipped", "ben": "graded", "cid": "skipped"}
    after = read_csv(course.autograded / "scores.csv")
    assert [r for r in after if r["student_id"] != "ben"] == [r for r in before if r["student_id"] != "ben"]
    assert sum(float(r["score"]) for r in after if r["student_id"] == "ben") == 3


@pytest.mark.slow
def test_failed_regrade_keeps_the_previous_grade(course):
    autograde(course, students=["ann"], force=True, echo=lambda *_: None)
    before = read_csv(course.autograded / "scores.csv")
    feedback = course.root / "feedback" / "ann" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.html"
    assert feedback.exists()
    toy.submit(course.root, "ann", raw="{ broken")
    [outcome] = autograde(course, students=["ann"], echo=lambda *_: None)
    assert outcome.status == "failed" and outcome.stale
    assert "previous grade is kept" in (course.autograded / "report.md").read_text()
    assert read_csv(course.autograded / "scores.csv") == before
    assert feedback.exists()
    assert (course.autograded / "ann" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.ipynb").exists()
    [again] = autograde(course, students=["ann"], echo=lambda *_: None)
    assert again.status == "failed"  # a failed grading is tried again on the next run, not kept as done


@pytest.mark.slow
def test_a_missing_notebook_scores_zero_and_never_blocks_a_regrade(course):
    toy.submit(course.root, "cid", toy.honest)
    autograde(course, students=["cid"], echo=lambda *_: None)
    assert sum(toy.scores(course.root)["cid"].values()) > 0
    (course.root / "submitted" / "cid" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.ipynb").unlink()
    for force in (False, True):
        [outcome] = autograde(course, students=["cid"], force=force, echo=lambda *_: None)
        assert outcome.status == "graded" and not outcome.stale
        assert any("is missing" in p.message for p in outcome.problems)
        assert set(toy.scores(course.root)["cid"].values()) == {0}
        assert not (course.root / "feedback" / "cid" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.html").exists()
        grades = {r["student_id"]: r for r in read_csv(course.root / "grades.csv")}
        assert float(grades["cid"]["score"]) == 0
