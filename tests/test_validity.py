"""Validity with the kit's own autograder (sandboxed ``nbgrader autograde``, verdicts from the verifier): the
reference solutions score full, the untouched release 0, right fixes in other styles full, wrong fixes 0 and
partial ones their share on the fix tests, and written answers as the rubric says.

One temporary course; every student hands in ONE notebook (one fix + one answer), graded by ``autograde``
on exactly the data it stages for that notebook. Per task the reference, the untouched release and the first
fixes of each kind (right and not right: answers in Russian and English, wrong and empty; the untouched
release's placeholder) go through the autograder end to end; the other fixes of ``fix_variants`` (more of the
same kinds) are decided by the same verifier and screen in-process (``graded_run``, as ``test_fix_corpus``),
so a change of a verdict rule fails here either way, without a sandboxed kernel for each.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from fix_variants import ENGLISH_ANSWERS, FIXES, PARTIAL_ANSWERS, SEED_ANSWERS, WRONG_ANSWERS

from nndebug import config
from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.scores import read_csv
from nndebug.verify import explanation, verdicts

pytestmark = pytest.mark.slow
PLACEHOLDER = "YOUR ANSWER HERE"
# Right and not-right fixes a task graded by the autograder: the Russian and English answers, the wrong and
# the empty one (the placeholder is the untouched release's); the partial answer is judged in-process.
END_TO_END_PER_KIND = 2


@dataclass(frozen=True)
class Submission:
    student: str
    task: int
    fix: str | None          # None: the release's placeholder, untouched
    answer: str | None       # None: the release's placeholder, untouched
    fix_share: float         # the share of the fix points it must score
    end_to_end: bool = True  # False: the fix decided in-process by the same verifier (graded_run)


def reference(task: int, grade_id: str) -> str:
    notebook = json.loads((config.SOURCE_DIR / config.assignment() / notebook_name(task)).read_text())
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    return "".join(cell["source"])


def notebook_name(task: int) -> str:
    return f"{config.notebook(task)}.ipynb"


def submissions() -> list[Submission]:
    """Per task: the reference, the untouched release and every fix of fix_variants; right fixes carry right
    or partial answers (ru, en), the others a wrong cause, an empty answer or the placeholder."""
    out = []
    for task in config.TASKS:
        out.append(Submission(f"t{task}_reference", task, reference(task, f"task{task}_fix"),
                              reference(task, f"task{task}_explanation"), 1.0))
        out.append(Submission(f"t{task}_release", task, None, None, 0.0))
        right = [f for f in FIXES[task] if f.right]
        other = [f for f in FIXES[task] if not f.right]
        good = (SEED_ANSWERS[task], ENGLISH_ANSWERS[task], PARTIAL_ANSWERS[task])
        bad = (WRONG_ANSWERS[task], "", None)
        for i, fix in enumerate(right):
            out.append(Submission(f"t{task}_right_{fix.name}", task, fix.code, good[i % 3], fix.expected,
                                  i < END_TO_END_PER_KIND))
        for i, fix in enumerate(other):
            out.append(Submission(f"t{task}_other_{fix.name}", task, fix.code, bad[i % 3], fix.share,
                                  i < END_TO_END_PER_KIND))
    return out


def write_submission(course_root, sub: Submission) -> None:
    release_dir = course_root / "release" / config.assignment()
    notebook = json.loads((release_dir / notebook_name(sub.task)).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id == f"task{sub.task}_fix" and sub.fix is not None:
            cell["source"] = sub.fix.strip("\n")
        if grade_id == f"task{sub.task}_explanation" and sub.answer is not None:
            cell["source"] = sub.answer
    folder = course_root / "submitted" / sub.student / config.assignment()
    folder.mkdir(parents=True)
    (folder / notebook_name(sub.task)).write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, grading_subset, pretrained_model) -> dict:
    """(student, grade_id) -> (score, max_score) from autograded/scores.csv, after one ``autograde`` run."""
    root = tmp_path_factory.mktemp("course")
    for name in ("source", "release"):
        shutil.copytree(config.ROOT / name / config.assignment(), root / name / config.assignment())
    shutil.copy2(config.ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for sub in submissions():
        if sub.end_to_end:
            write_submission(root, sub)
    autograde(Course(root=root), echo=lambda *_: None)
    return {(r["student_id"], r["grade_id"]): (float(r["score"] or 0), float(r["max_score"] or 0))
            for r in read_csv(root / "autograded" / "scores.csv")}


def total(scores: dict, student: str, prefix: str) -> tuple[float, float]:
    rows = [value for (who, grade_id), value in scores.items()
            if who == student and grade_id.startswith(prefix)]
    return sum(r[0] for r in rows), sum(r[1] for r in rows)


END_TO_END = [s for s in submissions() if s.end_to_end]
IN_PROCESS = [s for s in submissions() if not s.end_to_end]


def in_process(sub: Submission, folder: Path) -> float:
    """The fix test's share as the autograder would give it: the verifier's verdict on the fix's answer
    (graded_run), behind the screen of the released notebook; sent to a person scores 0 until a TA scores."""
    import graded_run
    from redteam import release_notebook

    verdict = verdicts.screened(release_notebook(sub.task, sub.fix.strip("\n")), "train_fixed",
                                graded_run.verdict(sub.task, sub.fix, folder))
    return 0.0 if verdict.routed is not None else verdict.fraction


@pytest.mark.parametrize("sub", END_TO_END, ids=lambda s: s.student)
def test_fix_tests_score_as_expected(graded, sub: Submission) -> None:
    got, top = total(graded, sub.student, f"task{sub.task}_fix")
    assert top == pytest.approx(config.kit().tasks[sub.task].points_fix)
    assert got == pytest.approx(top * sub.fix_share), f"{sub.student}: fix scored {got}/{top}"


@pytest.mark.parametrize("sub", IN_PROCESS, ids=lambda s: s.student)
def test_fix_scores_as_expected_in_process(sub: Submission, tmp_path: Path, grading_subset,
                                           pretrained_model) -> None:
    got = in_process(sub, tmp_path)
    assert got == pytest.approx(sub.fix_share), f"{sub.student}: fix scored {got} of 1 in-process"


@pytest.mark.parametrize("sub", END_TO_END, ids=lambda s: s.student)
def test_explanation_scores_as_the_rubric_says(graded, sub: Submission) -> None:
    got, top = graded[(sub.student, f"task{sub.task}_explanation_rubric")]
    expected = explanation.verdict(sub.task, PLACEHOLDER if sub.answer is None else sub.answer)[0].fraction
    assert got == pytest.approx(round(top * expected, 4)), f"{sub.student}: answer scored {got}/{top}"
    if sub.answer in (None, "") or sub.answer == WRONG_ANSWERS[sub.task]:
        assert got == 0
    if sub.student.endswith("reference") or sub.answer in (SEED_ANSWERS[sub.task], ENGLISH_ANSWERS[sub.task]):
        assert got == pytest.approx(top)


@pytest.mark.parametrize("sub", IN_PROCESS, ids=lambda s: s.student)
def test_explanation_in_process_scores_as_the_rubric_says(sub: Submission) -> None:
    """Its answer is one of the texts graded end to end above: the rubric's verdict on it, in-process."""
    fraction = explanation.verdict(sub.task, PLACEHOLDER if sub.answer is None else sub.answer)[0].fraction
    if sub.answer in (None, "", WRONG_ANSWERS[sub.task]):
        assert fraction == 0
    elif sub.answer in (SEED_ANSWERS[sub.task], ENGLISH_ANSWERS[sub.task]):
        assert fraction == 1
    else:
        assert 0 < fraction < 1, f"{sub.student}: a partial answer scored {fraction}"
