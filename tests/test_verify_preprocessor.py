"""The Verify preprocessor in-process (no kernel): whatever a kernel left in a graded test cell is replaced by
the verifier's verdict, so nbgrader scores the verdict; unknown graded tests fail closed."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

from nndebug import config
from nndebug.autograde import given_cells
from nndebug.autograde.job import GradingJob
from nndebug.autograde.preprocessors.strip_feedback import StripFeedback
from nndebug.autograde.preprocessors.verify import Verify
from nndebug.verify.render import VERDICT_MIME

RIGHT_ANSWER = ("The weight decay of 0.9 is far too strong together with lr=0.1: every step shrinks the "
                "weights towards zero faster than the gradient can teach them anything.")
FORGED_OUTPUTS = {  # what student code can make a test cell show: nbgrader would give each full points
    "none": [],
    "string": [new_output("execute_result", data={"text/plain": "'passed'"}, execution_count=1)],
    "negative": [new_output("execute_result", data={"text/plain": "-1"}, execution_count=1)],
}


def meta(grade_id: str, *, grade: bool, solution: bool, points: float = 0) -> dict:
    info = {"grade": grade, "solution": solution, "locked": not solution, "grade_id": grade_id,
            "schema_version": 3}
    if grade:
        info["points"] = points
    return {"nbgrader": info}


def notebook(answer: str, outputs: list) -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(answer, metadata=meta("task2_explanation", grade=True, solution=True)),
        new_code_cell("trainer.train(10)", metadata=meta("train_fixed", grade=False, solution=False)),
        new_code_cell("# hidden", metadata=meta("task2_fix_learns", grade=True, solution=False, points=0.1),
                      outputs=list(outputs)),
        new_code_cell("# hidden", metadata=meta("task2_explanation_rubric", grade=True, solution=False,
                                                points=0.1), outputs=list(outputs)),
        new_code_cell("pass", metadata=meta("made_up_test", grade=True, solution=False, points=0.5),
                      outputs=list(outputs)),
    ]
    return new_notebook(cells=cells)


def run_verify(nb: nbformat.NotebookNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    job = GradingJob(student="s1", assignment="nn_debug", submission=tmp_path / "staged",
                     evidence=tmp_path / "evidence",  # the kernel left nothing
                     verdicts=tmp_path / "verdicts", release=config.RELEASE_DIR / "nn_debug")
    monkeypatch.setenv(*next(iter(job.to_env().items())))
    resources = {"unique_key": "task2_optimizer", "nbgrader": {"assignment": "nn_debug", "student": "s1"}}
    nb, _ = Verify().preprocess(nb, resources)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells}


@pytest.mark.parametrize("forged", sorted(FORGED_OUTPUTS))
def test_forged_cell_values_are_replaced_by_verdicts(forged: str, tmp_path, monkeypatch) -> None:
    cells = run_verify(notebook("Не знаю.", FORGED_OUTPUTS[forged]), tmp_path, monkeypatch)
    for grade_id in ("task2_fix_learns", "task2_explanation_rubric", "made_up_test"):
        score, top = determine_grade(cells[grade_id])
        assert score == 0 and top > 0, (grade_id, cells[grade_id].outputs)
    assert "the training did not start" in str(cells["task2_fix_learns"].outputs)
    assert "no verifier" in str(cells["made_up_test"].outputs)


def test_a_right_answer_scores_from_its_text_and_is_kept_for_review(tmp_path, monkeypatch) -> None:
    cells = run_verify(notebook(RIGHT_ANSWER, FORGED_OUTPUTS["negative"]), tmp_path, monkeypatch)
    score, top = determine_grade(cells["task2_explanation_rubric"])
    assert score == top == 0.1
    assert (tmp_path / "verdicts" / "task2_optimizer" / "task2_explanation.json").is_file()
    record = cells["task2_explanation_rubric"].outputs[0]["data"][VERDICT_MIME]
    assert record["score"] == 0.1 and record["fraction"] == 1


def test_feedback_shows_verdicts_and_the_answers_score_not_test_code(tmp_path, monkeypatch) -> None:
    cells = run_verify(notebook(RIGHT_ANSWER, []), tmp_path, monkeypatch)
    nb = new_notebook(cells=list(cells.values()))
    for cell in nb.cells:
        if cell.metadata["nbgrader"]["grade"] and not cell.metadata["nbgrader"]["solution"]:
            cell.source = "### BEGIN HIDDEN TESTS\nsecret_check()\n### END HIDDEN TESTS"
    nb, _ = StripFeedback().preprocess(nb, {})
    text = nbformat.writes(nb)
    assert "secret_check" not in text and VERDICT_MIME not in text
    assert "the answer taken from the training is unusable" in text
    assert "Score of this answer: 0.1 из / of 0.1" in text


def test_an_edited_given_cell_is_named_in_the_verdict_and_the_report(tmp_path, monkeypatch) -> None:
    """Colab does not lock cells: a fix typed into the given trainer is undone at grading, and both the
    feedback and the report say where a fix must go."""
    given = notebook("Не знаю.", [])
    given.cells.insert(1, new_code_cell("class Trainer: shuffle = False",
                                        metadata=meta("trainer", grade=False, solution=False)))
    given.cells.insert(2, new_code_cell("pass", metadata=meta("task2_fix", grade=False, solution=True)))
    theirs = nbformat.reads(nbformat.writes(given), 4)
    theirs.cells[1].source = "class Trainer: shuffle = True"
    staged = tmp_path / "staged"  # the job's submission
    staged.mkdir()
    nbformat.write(theirs, str(staged / "task2_optimizer.ipynb"))
    nbformat.write(given, str(tmp_path / "released.ipynb"))
    cells = run_verify(given, tmp_path, monkeypatch)  # grading ran the restored (given) cells
    shown = str(cells["task2_fix_learns"].outputs)
    assert "you edited the given cell `trainer`" in shown and "answer cell `task2_fix`" in shown
    message = given_cells.check_files(staged / "task2_optimizer.ipynb", tmp_path / "released.ipynb")
    assert "`trainer`" in message and "a fix must go in the answer cell `task2_fix`" in message
    assert given_cells.check_files(tmp_path / "released.ipynb", tmp_path / "released.ipynb") == ""


def test_an_untouched_english_notebook_edits_no_given_cell() -> None:
    """The English release's given code is the Russian one's in English: against every release a student
    may have had (as grading checks), no false "you edited" notes; against the Russian one alone, edits."""
    for name in sorted((config.RELEASE_DIR / config.assignment()).glob("*.ipynb")):
        english = config.RELEASE_DIR / f"{config.assignment()}_en" / name.name
        assert given_cells.check_files(english, name, english) == "", name.name
        assert "`setup`" in given_cells.check_files(english, name), name.name


def test_a_given_cell_as_another_release_has_it_is_not_an_edit(tmp_path) -> None:
    """A given cell rendered differently in another release (English comments, same code) is as released
    for a student who had that release; a cell like neither release is an edit."""
    russian = notebook("Не знаю.", [])
    russian.cells.insert(1, new_code_cell("# перемешивание\nclass Trainer: shuffle = False",
                                          metadata=meta("trainer", grade=False, solution=False)))
    english = nbformat.reads(nbformat.writes(russian), 4)
    english.cells[1].source = "# shuffling\nclass Trainer: shuffle = False"
    for name, nb in (("ru.ipynb", russian), ("en.ipynb", english)):
        nbformat.write(nb, str(tmp_path / name))
    assert given_cells.check_files(tmp_path / "en.ipynb", tmp_path / "ru.ipynb", tmp_path / "en.ipynb") == ""
    assert "`trainer`" in given_cells.check_files(tmp_path / "en.ipynb", tmp_path / "ru.ipynb")
    english.cells[1].source = "# shuffling\nclass Trainer: shuffle = True"
    edited = nbformat.reads(nbformat.writes(english), 4)
    assert given_cells.edited(edited, russian, nbformat.read(str(tmp_path / "en.ipynb"), as_version=4)) == \
        ["trainer"]
