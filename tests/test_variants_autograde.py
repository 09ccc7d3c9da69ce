"""Variants through the real `autograde` (nbgrader, the kit's preprocessors): a student graded against their
own variant scores full; a student who hands in a classmate's notebook (fix and explanation included)
scores 0 on the fix, loses the variant's rubric point and is listed in autograded/report.md."""
from __future__ import annotations

import shutil

import nbformat
import pytest
from variant_kit import KEY, variants_on

from nndebug import config
from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.scores import read_csv
from nndebug.variants import families, grading, reference, render, rubric_point

pytestmark = pytest.mark.slow
PINS = ("ann 1=0 2=1 3=0", "ben 1=0 2=2 3=0")
TASK2 = config.kit().tasks[2].notebook


def notebook_of(student: str, variant: families.Variant) -> nbformat.NotebookNode:
    """The student's released notebook of ``variant`` answered with its reference fix and explanation."""
    nb = render.build(variant)
    for cell in nb.cells:
        if cell.get("id") == "task2_fix":
            cell.source = reference.reference_fix(variant)
        if cell.get("id") == "task2_explanation":
            cell.source = variant.explanation_ru
    nb.metadata[grading.TOKEN_KEY] = {"owner": grading.owner_token(KEY, student)}
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_subset, pretrained_model):
    assignment = config.assignment()
    root = tmp_path_factory.mktemp("variants-autograde")
    for name in ("source", "release"):
        if not (config.ROOT / name / assignment).is_dir():
            pytest.skip(f"{name}/{assignment} is not built (make release)")
        shutil.copytree(config.ROOT / name / assignment, root / name / assignment)
    shutil.copy2(config.ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    ann = notebook_of("ann", families.variant(2, 1))
    for student in ("ann", "ben"):  # ben hands in ann's notebook
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(ann, str(folder / f"{TASK2}.ipynb"))
    with pytest.MonkeyPatch.context() as patch:
        variants_on(patch, root, pins=PINS)
        autograde(Course(root=root), echo=lambda *_: None)
    return root, read_csv(root / "autograded" / "scores.csv")


def score(rows, student: str, grade_id: str) -> float:
    mine = [r for r in rows if r["student_id"] == student and r["grade_id"] == grade_id]
    return sum(float(r["score"] or 0) for r in mine)


def test_the_owner_scores_full_and_the_copier_0_on_the_fix(graded):
    _, rows = graded
    points = config.kit().tasks[2]
    assert score(rows, "ann", "task2_fix_learns") == pytest.approx(points.points_fix)
    assert score(rows, "ann", "task2_explanation_rubric") == pytest.approx(points.points_explanation)
    assert score(rows, "ben", "task2_fix_learns") == 0
    lost = points.points_explanation * rubric_point.CAUSE_SHARE
    assert score(rows, "ben", "task2_explanation_rubric") <= points.points_explanation - lost + 0.01


def test_the_copy_is_listed_in_the_report(graded):
    root, _ = graded
    report = (root / "autograded" / "report.md").read_text()
    sections = {part.split(" ", 1)[0]: part for part in report.split("\n## ")[1:]}
    assert "ann" not in sections or "COPY?" not in sections["ann"]
    assert "carries variant task2v1, not the student's own task2v2" in sections["ben"]
    assert "owner token" in sections["ben"] and "graded against task2v2" in sections["ben"]
