"""Issue 27: a TA's decisions are kept. ``python -m nndebug ta-decisions`` reads the manual scores a TA typed
in formgrader on routed explanations from gradebook.db, appends them with the answers to
``tests/rubric_corpus/ta/<term>.toml`` (once each), and ``make rubric-report`` reports that term."""
from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from nndebug import __main__ as cli
from nndebug import config
from nndebug.commands import rubric_report
from nndebug.course.nbgrader_cli import nbgrader_env
from nndebug.rubric import corpus, judge
from nndebug.verify import explanation

ROUTED = "Что-то не так с лоадером: какие-то батчи выглядят странно, я его переписал."  # rubric: 0, routed
SURE = "The loader has shuffle=False and the csv is sorted by label, so each batch is one digit."  # 1.0, sure


def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A graded course: two students' task 1 explanations, a TA's manual score on each."""
    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])  # nbgrader's Gradebook runs `alembic`
    root = tmp_path / "course"
    root.mkdir()
    assignment, notebook = config.assignment(), config.notebook(1)
    top = config.kit().tasks[1].points_explanation
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.add_assignment(assignment)
        gb.add_notebook(notebook, assignment)
        gb.add_grade_cell("task1_explanation_rubric", notebook, assignment, max_score=top, cell_type="code")
        for student, text, manual in (("ann", ROUTED, top / 2), ("ben", SURE, top)):
            gb.add_student(student)
            gb.add_submission(assignment, student)
            grade = gb.find_grade("task1_explanation_rubric", notebook, assignment, student)
            grade.auto_score, grade.manual_score = top * judge(1, text).fraction, manual
            gb.db.commit()
            explanation.save(root / ".grading" / "verdicts" / student / "task1_explanation.json", 1, text,
                             judge(1, text))
    return root


@pytest.mark.slow  # over a few seconds: kept out of make test-fast's two minutes
def test_a_manual_score_on_a_routed_answer_reaches_the_corpus_and_the_report(tmp_path, monkeypatch, capsys):
    assert judge(1, ROUTED).review and not judge(1, SURE).review
    root, out = course(tmp_path, monkeypatch), tmp_path / "ta"
    argv = ["ta-decisions", "--course", str(root), "--term", "2026-autumn", "--out", str(out)]
    assert cli.main(argv) == 0
    path = out / "2026-autumn.toml"
    with open(path, "rb") as fh:
        [entry] = tomllib.load(fh)["answer"]  # the routed answer only: the confident one is no TA decision
    assert entry["text"] == ROUTED and entry["score"] == 0.5 and entry["task"] == 1 and entry["lang"] == "ru"
    assert entry["routed"] is True and entry["rubric"] == 0.0 and "ann" not in path.read_text()

    assert cli.main(argv) == 0 and cli.main(argv + ["--all"]) == 0  # again: nothing twice; --all: overrides
    with open(path, "rb") as fh:
        answers = tomllib.load(fh)["answer"]
    assert [a["text"] for a in answers] == [ROUTED, SURE]
    assert "1 there already" in capsys.readouterr().out

    monkeypatch.setattr(corpus, "TA_DIR", out)
    assert [a.score for a in corpus.load_sets()["ta 2026-autumn"]] == [0.5, 1.0]
    rubric_report.run(argparse.Namespace(corpus=None, rubric=None))
    report = capsys.readouterr().out
    assert "== ta 2026-autumn: 2 answers" in report and "goal for ta 2026-autumn" in report
    assert "task 1" in report.split("== ta 2026-autumn")[1]


def test_no_gradebook_is_named(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PATH", os.environ.get("PATH", ""))  # the command puts the venv's bin/ first
    assert cli.main(["ta-decisions", "--course", str(tmp_path), "--out", str(tmp_path / "ta")]) == 2
    assert "no gradebook.db" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []
