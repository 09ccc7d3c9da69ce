"""A task notebook's graded cell in-process, its answer taken as the autograder takes it, then replayed and
verified: what ``make autograde`` does for one notebook, without nbgrader and the sandbox
(``nndebug.verify.reference``)."""
from __future__ import annotations

from pathlib import Path

from nndebug import config
from nndebug.course import solutions
from nndebug.verify import answer, fixes, reference
from nndebug.verify.verdict import Verdict


def run(task: int, fix: str, folder: Path) -> Path:
    """The folder of ``fix``'s answer on the task's grading data."""
    data = config.grading_data(config.notebook(task))
    return reference.graded_run(task, fix, folder, data, config.MODEL_FILE)


def verdict(task: int, fix: str, folder: Path) -> Verdict:
    """The verifier's verdict on ``fix``'s answer."""
    found = answer.load(run(task, fix, folder))
    return fixes.RULES[task](found, context(task))


def context(task: int) -> fixes.Context:
    """The verifier's context of ``task`` as the autograder builds it (the reference level run once and
    cached beside the grading data)."""
    data = config.grading_data(config.notebook(task))
    return fixes.Context(data, config.MODEL_FILE, reference.level(task, data, config.MODEL_FILE, build=True))


def reference_fix(task: int) -> str:
    """The source notebook's solution of ``taskN_fix``."""
    return solutions.reference_fix(task)
