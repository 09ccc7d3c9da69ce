"""Forging routes that need the real autograder (sandbox, IPython, the driver's sealed copy of the answer),
each with the bug of its task left in what trains: 0 on those fixes. And a submission whose kernel writes a
malformed answer is graded (its other test scored, nothing lost) and not taken for a failed grading."""
from __future__ import annotations

import shutil

import forgers
import pytest
from test_autograde_release import submit_release, task_score

from nndebug import config
from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.scores import read_csv

pytestmark = pytest.mark.slow
ANSWER = "Думаю, дело в размере батча."
MALFORMED = '''
_capture = __import__('nn' + 'debug.kernel.answer', fromlist=['capture'])
def _bad_capture(namespace, folder, *args, **kwargs):
    open(folder + '/answer.json', 'w').write('{"schema": 1, "stopped": true, "optimizer": {"class": "SGD", '
                                             '"groups": [{"settings": {"weight_decay": 1' + '0' * 400 + '}, '
                                             '"params": []}]}}')
_capture.capture = _bad_capture
'''
STUDENTS = {
    "rewritten_after_capture": (1, forgers.TASK1_BUG + forgers.REWRITTEN_AFTER_CAPTURE),
    "event_callback": (2, forgers.TASK2_BUG + forgers.EVENT_CALLBACK),
    "malformed_evidence": (3, MALFORMED + "\nmodel = ResNet18()\n"
                              "opt = optim.SGD(model.parameters(), lr=1e-2)\n"
                              "trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, "
                              "val_dataset=mnist_val, tboard_log_dir='./tb')"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_subset, pretrained_model):
    assignment = config.assignment()
    root = tmp_path_factory.mktemp("forgers")
    for name in ("source", "release"):
        shutil.copytree(config.ROOT / name / assignment, root / name / assignment)
    shutil.copy2(config.ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for student, (task, fix) in STUDENTS.items():
        answer = ANSWER if student != "malformed_evidence" else \
            "The stem BatchNorm bn1 weights are zero, so every activation is zero and no gradient flows."
        submit_release(root, student, task, fix, answer)
    course = Course(root=root)
    outcomes = {o.student: o for o in autograde(course, echo=lambda *_: None)}
    return course, outcomes, read_csv(root / "autograded" / "scores.csv")


@pytest.mark.parametrize("student", ["rewritten_after_capture", "event_callback"])
def test_forgers_that_need_the_kernel_score_zero(graded, student: str) -> None:
    _, outcomes, rows = graded
    task = STUDENTS[student][0]
    got, top = task_score(rows, student, f"task{task}_fix")
    assert top > 0 and got == 0, outcomes[student].problems


def test_malformed_evidence_is_graded_with_its_other_test(graded) -> None:
    course, outcomes, rows = graded
    assert outcomes["malformed_evidence"].status == "graded", outcomes["malformed_evidence"].problems
    assert task_score(rows, "malformed_evidence", "task3_fix")[0] == 0
    got, top = task_score(rows, "malformed_evidence", "task3_explanation")
    assert top > 0 and got > 0
    again = {o.student: o for o in autograde(course, students=["malformed_evidence"], echo=lambda *_: None)}
    assert again["malformed_evidence"].status == "skipped"  # graded (not failed), so kept while unchanged
