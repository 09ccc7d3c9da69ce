"""Feedback shows scores and test messages, never hidden-test code or the output of student cells."""
from __future__ import annotations

from dataclasses import replace

import pytest
import toy_course as toy

from nndebug.autograde.feedback import hidden_test_lines, leaked_lines, visible_text
from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.limits import Limits
from nndebug.autograde.stage import Inputs

pytestmark = pytest.mark.slow
PRINTS_PACKAGE = ("import inspect, nndebug.kernel.guard as g\n"
                  "print('STUDENT' + '-PRINT', inspect.getsource(g))\nanswer = 41")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = toy.build(tmp_path_factory.mktemp("feedback"))
    data, model = toy.inputs(root)
    toy.submit(root, "honest", toy.honest)
    toy.submit(root, "wrong", toy.fix(PRINTS_PACKAGE, "no idea"))
    course = Course(root=root, assignment=toy.ASSIGNMENT, inputs=Inputs(data, model),
                    limits=replace(Limits.from_settings(), cell_timeout_s=20, notebook_timeout_s=60))
    autograde(course, echo=lambda *_: None)
    return course


def feedback_files(course):
    return sorted((course.root / "feedback").rglob("*.html"))


def secret_lines(course):
    root = course.root
    return hidden_test_lines(root / "source" / toy.ASSIGNMENT, root / "release" / toy.ASSIGNMENT)


def test_no_hidden_test_line_in_any_feedback(course):
    secret = secret_lines(course)
    assert any(toy.HIDDEN_MARKER in line for line in secret)
    files = feedback_files(course)
    assert len([f for f in files if f.name != "index.html"]) == 2  # and each student's index page
    for path in files:
        assert leaked_lines(path, secret) == []
        assert toy.HIDDEN_MARKER not in path.read_text()


def test_feedback_shows_scores_and_failures_not_student_outputs(course):
    text = visible_text(course.root / "feedback" / "wrong" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.html")
    assert "Failed: AssertionError" in text          # the failing test's message, without its code
    assert "STUDENT-PRINT" not in text and "_SHELL_METHODS" not in text  # student outputs dropped
    assert "answer = 41" in text                     # the student's own code stays
    honest = visible_text(course.root / "feedback" / "honest" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.html")
    assert "3.0 / 3.0" in honest or "3 / 3" in honest


def test_leak_check_finds_a_planted_line(course, tmp_path):
    secret = secret_lines(course)
    planted = tmp_path / "leak.html"
    planted.write_text(f"<pre>{sorted(secret)[0]}</pre>")
    assert leaked_lines(planted, secret)
