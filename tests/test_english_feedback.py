"""The English half of the feedback is English: rubric points carry English names (rubric.toml name_en)."""
from __future__ import annotations

import re

import pytest

from nndebug import config
from nndebug.rubric import spec
from nndebug.verify import explanation

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def test_every_rubric_point_has_an_english_name() -> None:
    rubric = spec.load()
    for number, task in rubric.tasks.items():
        for point in (*task.concepts, *task.wrong, *task.related):
            assert point.name_en and not CYRILLIC.search(point.name_en), (number, point.name)


@pytest.mark.parametrize("task, text", [(1, "Не знаю, может learning rate маленький."),
                                        (2, "Причина в weight decay."), (3, "Мало эпох обучения.")])
def test_the_english_lines_of_an_explanation_verdict_have_no_russian(task: int, text: str) -> None:
    verdict, found = explanation.verdict(task, text)
    lines = [verdict.reason, *verdict.measured] if verdict.reason else list(verdict.measured)
    assert lines and found.missing
    for line in lines:
        assert not CYRILLIC.search(line.en), line.en
    assert config.RUBRIC_FILE.is_file()


def test_feedback_of_an_english_notebook_is_in_english(tmp_path, monkeypatch) -> None:
    """nbgrader restores the given cells from the Russian source; the feedback of a notebook handed in from
    the English release shows the English text and code and English-only verdicts."""
    import json
    import shutil

    import nbformat

    from nndebug.autograde.preprocessors.strip_feedback import StripFeedback
    from nndebug.autograde.preprocessors.verify import verdict_outputs
    from nndebug.course import nbcells
    from nndebug.release import build as release
    from nndebug.verify.verdict import Line, Verdict

    assignment, name = config.assignment(), config.notebook(2)
    root = tmp_path / "course"
    for folder in (assignment, release.english_folder()):
        shutil.copytree(config.RELEASE_DIR / folder, root / "release" / folder)
    handed_in = root / "submitted" / "jane" / assignment / f"{name}.ipynb"
    handed_in.parent.mkdir(parents=True)
    shutil.copy(root / "release" / release.english_folder() / f"{name}.ipynb", handed_in)
    graded = nbformat.read(root / "release" / assignment / f"{name}.ipynb", as_version=4)   # restored: ru
    fix = Verdict(0.0, Line("веса стянуты к нулю", "the weights collapsed"),
                  (Line("точность 0.1", "accuracy 0.1"),),
                  Line("смотрите оптимизатор", "look at the optimizer"))
    for cell in graded.cells:
        if nbcells.grade_id(cell) == "task2_fix_learns":
            cell.outputs = verdict_outputs(fix, 0.1)
        if nbcells.grade_id(cell) == "task2_explanation_rubric":
            cell.outputs = verdict_outputs(explanation.verdict(2, "Мало эпох.")[0], 0.1)
    monkeypatch.chdir(root)
    resources = {"nbgrader": {"student": "jane", "assignment": assignment, "notebook": name}}
    nb, _ = StripFeedback().preprocess(graded, resources)
    for cell in nb.cells:
        if not nbcells.is_answer(cell):      # given text and code, as the English release has them
            assert not CYRILLIC.search(cell.source), cell.source[:200]
        for out in cell.get("outputs", []):
            text = json.dumps({k: v for k, v in out.get("data", {}).items() if k != "image/png"},
                              ensure_ascii=False)
            assert not CYRILLIC.search(text), text[:300]
    assert "the weights collapsed" in json.dumps(nb) and "Score of this answer" in json.dumps(nb)
    # the same notebook handed in from the Russian release keeps both languages
    shutil.copy(root / "release" / assignment / f"{name}.ipynb", handed_in)
    nb, _ = StripFeedback().preprocess(nbformat.read(root / "release" / assignment / f"{name}.ipynb",
                                                     as_version=4), resources)
    assert any(CYRILLIC.search(c.source) for c in nb.cells if c.cell_type == "markdown")


def test_the_index_page_of_an_english_student_is_english_only(tmp_path) -> None:
    """feedback/<student>/<assignment>/index.html: English only for a student who handed in the English
    release; both languages for one who handed in the Russian release."""
    import shutil

    from nndebug.autograde.feedback_index import page_language, render
    from nndebug.release import build as release

    assignment = config.assignment()
    root = tmp_path / "course"
    for folder in (assignment, release.english_folder()):
        shutil.copytree(config.RELEASE_DIR / folder, root / "release" / folder)
    for student, folder in (("jane", release.english_folder()), ("ivan", assignment)):
        target = root / "submitted" / student / assignment
        shutil.copytree(root / "release" / folder, target)
        lang = page_language(root, assignment, student, [config.notebook(t) for t in config.TASKS])
        grades = {config.notebook(t): {f"task{t}_fix_learns": (1.0, 1.0)} for t in config.TASKS}
        best = {"how": "best", "timestamp": "2026-12-01 10:00", "score": 2.5, "latest": False}
        page = render(student, grades, {}, set(grades), 0.5, lang, best)
        assert "Your best submission, of 2026-12-01 10:00, counts: 2.5 points" in page
        assert "Total" in page and "Each notebook's feedback says" in page
        assert bool(CYRILLIC.search(page)) == (student == "ivan"), student
