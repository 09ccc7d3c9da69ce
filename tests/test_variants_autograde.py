"""Variants through the real `autograde` (nbgrader, the kit's preprocessors): a student graded against their
own variant scores full; a student who hands in a classmate's notebook (fix and explanation included)
scores 0 on the fix, loses the variant's rubric point and is listed in autograded/report.md. Task 3 (the
cheapest run): its variants differ in the model only, so this also grades with each student's own model
staged through the grading job; the copy is caught by its owner token (task 1 and 2 copies are also caught
by their given cells: tests/test_variants.py)."""
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
PINS = ("ann 1=0 2=0 3=1", "ben 1=0 2=0 3=2")
TASK = 3
NOTEBOOK = config.kit().tasks[TASK].notebook
FIX_TEST = "task3_fix_pretrained"  # the hidden test of the fix


def notebook_of(student: str, variant: families.Variant) -> nbformat.NotebookNode:
    """The student's released notebook of ``variant`` answered with its reference fix and explanation."""
    nb = render.build(variant)
    for cell in nb.cells:
        if cell.get("id") == f"task{TASK}_fix":
            cell.source = reference.reference_fix(variant)
        if cell.get("id") == f"task{TASK}_explanation":
            cell.source = variant.explanation_ru
    nb.metadata[grading.TOKEN_KEY] = {"owner": grading.owner_token(KEY, student)}
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_subset, pretrained_model, variant_models):
    assignment = config.assignment()
    root = tmp_path_factory.mktemp("variants-autograde")
    for name in ("source", "release"):
        if not (config.ROOT / name / assignment).is_dir():
            pytest.skip(f"{name}/{assignment} is not built (make release)")
        shutil.copytree(config.ROOT / name / assignment, root / name / assignment)
    shutil.copy2(config.ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    ann = notebook_of("ann", families.variant(TASK, 1))
    for student in ("ann", "ben"):  # ben hands in ann's notebook
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(ann, str(folder / f"{NOTEBOOK}.ipynb"))
    with pytest.MonkeyPatch.context() as patch:
        variants_on(patch, root, pins=PINS)
        autograde(Course(root=root), echo=lambda *_: None)
    return root, read_csv(root / "autograded" / "scores.csv")


def score(rows, student: str, grade_id: str) -> float:
    mine = [r for r in rows if r["student_id"] == student and r["grade_id"] == grade_id]
    return sum(float(r["score"] or 0) for r in mine)


def test_the_owner_scores_full_and_the_copier_0_on_the_fix(graded):
    _, rows = graded
    points = config.kit().tasks[TASK]
    assert score(rows, "ann", FIX_TEST) == pytest.approx(points.points_fix)
    assert score(rows, "ann", f"task{TASK}_explanation_rubric") == pytest.approx(points.points_explanation)
    assert score(rows, "ben", FIX_TEST) == 0
    lost = points.points_explanation * rubric_point.CAUSE_SHARE
    assert score(rows, "ben", f"task{TASK}_explanation_rubric") <= points.points_explanation - lost + 0.01


def test_the_copy_is_listed_in_the_report(graded):
    root, _ = graded
    report = (root / "autograded" / "report.md").read_text()
    sections = {part.split(" ", 1)[0]: part for part in report.split("\n## ")[1:]}
    assert "ann" not in sections or "COPY?" not in sections["ann"]
    assert "owner token" in sections["ben"] and "graded against task3v2" in sections["ben"]
