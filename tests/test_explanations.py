"""The explanation rubric (notebooks/rubric.toml) and reading answers from a submission."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from fix_variants import ENGLISH_ANSWERS, PARTIAL_ANSWERS, SEED_ANSWERS, WRONG_ANSWERS

from nndebug import config
from nndebug.grading import answers, explanations


@pytest.mark.parametrize("task", config.TASKS)
@pytest.mark.parametrize("answers_by_task", [SEED_ANSWERS, ENGLISH_ANSWERS], ids=["seed-ru", "en"])
def test_right_answers_score_full(task: int, answers_by_task: dict[int, str]) -> None:
    assert explanations.judge(task, answers_by_task[task]).fraction == 1.0
    assert explanations.score(task, answers_by_task[task]) == config.task(task)["points_explanation"]


@pytest.mark.parametrize("task", config.TASKS)
@pytest.mark.parametrize("text", ["", "YOUR ANSWER HERE", "Не знаю."])
def test_placeholder_empty_and_vague_answers_score_zero(task: int, text: str) -> None:
    assert explanations.score(task, text) == 0


@pytest.mark.parametrize("task", config.TASKS)
def test_wrong_cause_scores_zero(task: int) -> None:
    verdict = explanations.judge(task, WRONG_ANSWERS[task])
    assert verdict.wrong is not None and verdict.fraction == 0


@pytest.mark.parametrize("task", config.TASKS)
def test_cause_alone_earns_partial_credit(task: int) -> None:
    assert 0 < explanations.judge(task, PARTIAL_ANSWERS[task]).fraction < 1


def test_the_reference_answers_in_the_sources_score_full() -> None:
    from nndebug.notebook import assemble
    for task in config.TASKS:
        cells = {c.id: c.source for c in assemble.build(task).cells}
        assert explanations.judge(task, cells[f"task{task}_explanation"]).fraction == 1.0


def test_rubric_file_names_a_missing_task(tmp_path: Path) -> None:
    broken = tmp_path / "rubric.toml"
    broken.write_text("[task1]\nwrong = []\n")
    with pytest.raises(KeyError, match="task1.concepts"):
        explanations.rubric(1, broken)


def test_answer_is_read_from_the_notebook_in_the_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(answers.ANSWERS_ENV, raising=False)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell("shuffle=False: батчи из одного класса")
    cell.metadata["nbgrader"] = {"grade_id": "task1_explanation"}
    nb.cells.append(cell)
    (tmp_path / "task1_shuffle.ipynb").write_text(nbformat.writes(nb))
    assert answers.explanation(1, tmp_path) == "shuffle=False: батчи из одного класса"
    assert answers.explanation(2, tmp_path) == ""


def test_answers_file_wins_over_the_notebook(tmp_path: Path, monkeypatch) -> None:
    answers_file = tmp_path / "answers.json"
    answers_file.write_text(json.dumps({"task2_explanation": "weight decay"}))
    monkeypatch.setenv(answers.ANSWERS_ENV, str(answers_file))
    assert answers.explanation(2, tmp_path) == "weight decay"
    assert answers.explanation(3, tmp_path) == ""
