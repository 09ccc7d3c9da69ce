"""Autograde finds a notebook by its cells' grade ids: Colab-renamed files are graded as the task they hold
(and reported), two candidates for one task grade the newest, notebooks without the <assignment>/ level
are graded, never ignored. No notebook is executed here: only staging."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from nndebug import config
from nndebug.autograde.grade import Course, all_students
from nndebug.autograde.submission import check_and_stage

ASSIGNMENT = config.assignment()
RELEASE = config.RELEASE_DIR / ASSIGNMENT
TASKS = [config.notebook(n) for n in config.TASKS]
T1, T2, T3 = TASKS


def put(folder: Path, name: str, task: str, marker: str, mtime: int = 1_790_000_000) -> Path:
    """The release notebook of ``task``, saved as ``name`` with ``marker`` in its fix cell."""
    nb = json.loads((RELEASE / f"{task}.ipynb").read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == f"task{task[4]}_fix":
            cell["source"] = f"# {marker}\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(nb))
    os.utime(path, (mtime, mtime))
    return path


def staged_marker(dest: Path, task: str) -> str:
    nb = json.loads((dest / f"{task}.ipynb").read_text())
    fix = [c for c in nb["cells"]
           if c["metadata"].get("nbgrader", {}).get("grade_id") == f"task{task[4]}_fix"]
    return "".join(fix[0]["source"])


def messages(problems, notebook: str | None = None) -> str:
    return "\n".join(p.message for p in problems if notebook is None or p.notebook == notebook)


def test_colab_renamed_notebooks_are_graded_as_their_task(tmp_path):
    src = tmp_path / "submitted" / "bob" / ASSIGNMENT
    put(src, f"Copy of {T1}.ipynb", T1, "bob1")
    put(src, f"{T3} (1).ipynb", T3, "bob3")
    put(src, f"{T2}.ipynb", T2, "bob2")
    dest = tmp_path / "staged" / "bob" / ASSIGNMENT
    problems = check_and_stage(src, dest, TASKS, RELEASE)
    assert sorted(p.name for p in dest.glob("*.ipynb")) == sorted(f"{t}.ipynb" for t in TASKS)
    assert staged_marker(dest, T1) == "# bob1\n" and staged_marker(dest, T3) == "# bob3\n"
    assert f"graded from Copy of {T1}.ipynb (renamed" in messages(problems, T1)
    assert f"graded from {T3} (1).ipynb (renamed" in messages(problems, T3)
    assert messages(problems, T2) == "" and "missing" not in messages(problems)


def test_two_candidates_for_one_task_grade_the_newest(tmp_path):
    src = tmp_path / "submitted" / "carol" / ASSIGNMENT
    put(src, f"{T1}.ipynb", T1, "untouched", mtime=1_790_000_000)
    put(src, f"Copy of {T1}.ipynb", T1, "worked", mtime=1_790_000_500)
    put(src, "Untitled.ipynb", T2, "x").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5,
                                                               "metadata": {}, "cells": []}))
    dest = tmp_path / "staged" / "carol" / ASSIGNMENT
    problems = check_and_stage(src, dest, TASKS, RELEASE)
    assert staged_marker(dest, T1) == "# worked\n"
    assert f"{T1}.ipynb also holds {T1}; not graded" in messages(problems, T1)
    assert "Untitled.ipynb holds no task" in messages(problems)
    assert "is missing" in messages(problems, T2) and "is missing" in messages(problems, T3)


def test_notebooks_without_the_assignment_level_are_graded(tmp_path):
    root = tmp_path
    dave = root / "submitted" / "dave"
    put(dave, f"{T1}.ipynb", T1, "dave1")
    put(root / "submitted" / "erin" / ASSIGNMENT, f"{T2}.ipynb", T2, "erin2")
    (root / "submitted" / "nobody").mkdir()
    course = Course(root=root)
    assert all_students(course) == ["dave", "erin"]
    assert course.submitted("dave") == dave
    assert course.submitted("erin") == root / "submitted" / "erin" / ASSIGNMENT
    dest = root / ".grading" / "submitted" / "dave" / ASSIGNMENT
    problems = check_and_stage(course.submitted("dave"), dest, TASKS, RELEASE)
    assert staged_marker(dest, T1) == "# dave1\n"
    assert f"directly in submitted/dave/, not in submitted/dave/{ASSIGNMENT}/" in messages(problems)


def test_a_notebook_beside_the_assignment_folder_is_a_candidate(tmp_path):
    student = tmp_path / "submitted" / "frank"
    put(student / ASSIGNMENT, f"{T2}.ipynb", T2, "frank2")
    put(student, f"my {T1}.ipynb", T1, "frank1")
    dest = tmp_path / "staged" / "frank" / ASSIGNMENT
    problems = check_and_stage(student / ASSIGNMENT, dest, TASKS, RELEASE)
    assert staged_marker(dest, T1) == "# frank1\n"
    assert f"graded from ../my {T1}.ipynb" in messages(problems, T1)


def test_a_broken_exact_name_beside_a_good_copy(tmp_path):
    src = tmp_path / "submitted" / "gina" / ASSIGNMENT
    src.mkdir(parents=True)
    (src / f"{T3}.ipynb").write_text("{ not json")
    put(src, f"Copy of {T3}.ipynb", T3, "gina3")
    shutil.copy(RELEASE / f"{T1}.ipynb", src / f"{T1}.ipynb")
    dest = tmp_path / "staged" / "gina" / ASSIGNMENT
    problems = check_and_stage(src, dest, TASKS, RELEASE)
    assert staged_marker(dest, T3) == "# gina3\n"
    assert "is not JSON" in messages(problems, T3) and "renamed" in messages(problems, T3)
