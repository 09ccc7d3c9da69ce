"""An instructor's commands repeated and mixed (collect, autograde, return, the clean targets, a folder
removed by hand in between): each runs clean, and nothing collected or graded is lost."""
from __future__ import annotations

import csv
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import toy_course as toy

from nndebug import config
from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.limits import Limits
from nndebug.autograde.stage import Inputs
from nndebug.collect.collector import collect
from nndebug.outbound.outbound import write_outbound
from nndebug.settings import Collect, Return

pytestmark = pytest.mark.slow
ROSTER = "student_id,full_name,email\nann,Ann Smith,ann@x.example\nben,Ben Jones,ben@x.example\n"
LMS = Return(canvas_assignment="T", moodle_grade_item="T", scale_to=10.0)


def downloads(folder: Path, students: dict) -> Path:
    """A folder of Colab downloads, one folder per student."""
    for student, edit in students.items():
        nb = toy.released(folder.parent / "course")
        edit(nb)
        (folder / student).mkdir(parents=True, exist_ok=True)
        (folder / student / f"Copy of {toy.NOTEBOOK}.ipynb").write_text(toy.json.dumps(nb))
    return folder


def grades(root: Path) -> dict[str, str]:
    with open(root / "grades.csv", newline="") as fh:
        return {r["student_id"]: r["score"] for r in csv.DictReader(fh)}


def sent(root: Path) -> dict[str, str]:
    with open(root / "outbound" / "moodle_grades.csv", newline="") as fh:
        return {row[0]: row[2] for row in list(csv.reader(fh))[1:]}


def make(root: Path, *target: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "-f", str(config.ROOT / "Makefile"), "-C", str(root), *target],
                          capture_output=True, text=True, timeout=120)


def test_a_mixed_sequence_loses_nothing(tmp_path):
    root = toy.build(tmp_path / "course")
    data, model = toy.inputs(root)
    (root / "roster.csv").write_text(ROSTER)
    course = Course(root=root, assignment=toy.ASSIGNMENT, inputs=Inputs(data, model),
                    limits=replace(Limits.from_settings(), cell_timeout_s=20, notebook_timeout_s=60))
    first = downloads(tmp_path / "week1", {"ann": toy.honest, "ben": toy.fix("answer = 42", "no idea")})
    settings = Collect(due="", timezone="UTC")
    quiet = {"echo": lambda *_: None}

    def collect_(source: Path):
        return collect(source, root, assignment=toy.ASSIGNMENT, settings=settings)

    def return_():
        return write_outbound(root, assignment=toy.ASSIGNMENT, settings=LMS, **quiet)

    collect_(first)
    autograde(course, **quiet)
    return_()
    graded, returned = grades(root), sent(root)
    assert set(graded) == {"ann", "ben"} and returned == {"ann@x.example": "10", "ben@x.example": "6.6667"}
    # the same commands again, in another order: nothing changes
    return_()
    collect_(first)
    assert {o.status for o in autograde(course, **quiet)} == {"skipped"}
    collect_(first)
    return_()
    assert grades(root) == graded and sent(root) == returned
    # a folder removed by hand, another input collected, everything run again
    shutil.rmtree(root / "submitted" / "ben")
    other = downloads(tmp_path / "week1-late", {"ann": toy.honest})
    collect_(other)
    autograde(course, **quiet)
    return_()
    assert grades(root) == graded and sent(root) == returned          # ben's grade is not lost
    # the clean targets without CONFIRM=1 delete nothing; `make clean` only data/
    for target in ("clean-grades", "clean-submissions"):
        done = make(root, target)
        assert done.returncode == 2 and "CONFIRM=1" in done.stdout
    assert make(root, "clean").returncode == 0
    assert (root / "gradebook.db").is_file() and (root / "submitted" / "ann").is_dir()
    # collecting the first input again puts ben's notebook back, and it is not regraded (unchanged)
    result = collect_(first)
    assert result.placed["ben"][toy.NOTEBOOK] == "restored"
    outcomes = {o.student: o.status for o in autograde(course, **quiet)}
    assert outcomes == {"ann": "skipped", "ben": "skipped"}
    return_()
    assert grades(root) == graded and sent(root) == returned
    assert len(list((root / "collect" / "reports").glob("*.md"))) == 5
    # and deleting the grades on purpose, then grading again, gives the same grades
    assert make(root, "clean-grades", "CONFIRM=1").returncode == 0
    autograde(course, **quiet)
    return_()
    assert grades(root) == graded and sent(root) == returned
