"""`make release`: the committed source/ and release/ (Russian and English) are what the build produces; the
release is clean; the English release grades as the Russian one."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nndebug import config
from nndebug.course import assemble, authoring, language
from nndebug.release import build as release


def committed(kind: str) -> Path:
    if kind == "release_en":
        return config.RELEASE_DIR / release.english_folder()
    return (config.SOURCE_DIR if kind == "source" else config.RELEASE_DIR) / config.assignment()


@pytest.mark.slow
def test_committed_source_and_release_do_not_drift(tmp_path: Path) -> None:
    built_dirs = release.build(tmp_path)
    for kind, built in zip(("source", "release", "release_en"), built_dirs, strict=True):
        ours = sorted(p.name for p in committed(kind).iterdir())
        assert ours == sorted(p.name for p in built.iterdir()), f"{kind}/: other files than the build's"
        for path in built.iterdir():
            assert (committed(kind) / path.name).read_bytes() == path.read_bytes(), (
                f"{committed(kind).relative_to(config.ROOT)}/{path.name} differs from the build: "
                "run `make release`")


def test_committed_release_passes_its_checks() -> None:
    assert release.verify(committed("source"), committed("release")) == []
    assert release.verify_english(committed("release"), committed("release_en")) == []


def test_english_release_has_the_russian_code_in_english_and_metadata_and_english_text() -> None:
    for name in release.notebook_names():
        ru, en = (json.loads((committed(kind) / name).read_text(encoding="utf-8"))
                  for kind in ("release", "release_en"))
        assert release.grade_ids(ru) == release.grade_ids(en)
        for ru_cell, en_cell in zip(ru["cells"], en["cells"], strict=True):
            assert ru_cell["metadata"] == en_cell["metadata"]
            if ru_cell["cell_type"] == "code":
                assert "".join(en_cell["source"]) == language.english("".join(ru_cell["source"]))
            else:
                assert ru_cell["source"] != en_cell["source"] and not release.CYRILLIC.search(
                    "".join(en_cell["source"]))


def test_verify_english_reports_other_code_and_untranslated_text(tmp_path: Path) -> None:
    english = tmp_path / "en"
    shutil.copytree(committed("release_en"), english)
    name = release.notebook_names()[0]
    notebook = json.loads((english / name).read_text(encoding="utf-8"))
    code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    code["source"] = "print('changed')"
    text = next(c for c in notebook["cells"] if c["cell_type"] == "markdown")
    text["source"] = "Задание"
    (english / name).write_text(json.dumps(notebook), encoding="utf-8")
    (english / release.notebook_names()[1]).unlink()
    problems = "\n".join(release.verify_english(committed("release"), english))
    assert "code is not the Russian release's with its Russian taken out" in problems
    assert "markdown still in Russian" in problems
    assert f"{english / release.notebook_names()[1]}: missing" in problems


@pytest.mark.parametrize("kind", ["release", "release_en"])
def test_answer_cells_are_named_where_the_student_meets_them(kind: str) -> None:
    for task, name in zip(config.TASKS, release.notebook_names(), strict=True):
        cells = json.loads((committed(kind) / name).read_text(encoding="utf-8"))["cells"]
        ids = release.grade_ids({"cells": cells})
        for answer in (f"task{task}_explanation", f"task{task}_fix"):
            index = ids.index(answer)
            before, stub = "".join(cells[index - 1]["source"]), "".join(cells[index]["source"])
            assert cells[index - 1]["cell_type"] == "markdown" and f"`{answer}`" in before
            assert cells[index - 1]["metadata"]["nbgrader"]["locked"]
            assert answer in stub.splitlines()[0], stub
        assert "YOUR ANSWER HERE" in "".join(cells[ids.index(f"task{task}_explanation")]["source"])
        first, last = "".join(cells[0]["source"]), "".join(cells[-1]["source"])
        assert f"{name}" in last and cells[-1]["metadata"]["nbgrader"]["locked"]
        assert getattr(config.kit().course, f"hand_in_{'en' if kind == 'release_en' else 'ru'}") in last
        assert "Download .ipynb" in last and ("восстанавливаются" in first or "restored" in first)


def test_release_holds_no_solution_and_no_hidden_test() -> None:
    for path in committed("release").glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        for marker in release.FORBIDDEN_IN_RELEASE:
            assert marker not in text, f"{path}: {marker}"
        notebook = json.loads(text)
        fix = [c for c in notebook["cells"] if release.grade_ids({"cells": [c]}) == [path.stem[:5] + "_fix"]]
        assert fix and "NotImplementedError" in "".join(fix[0]["source"])


def test_verify_reports_leaks_and_missing_cells(tmp_path: Path) -> None:
    source_dir, release_dir = tmp_path / "source", tmp_path / "release"
    shutil.copytree(committed("source"), source_dir)
    shutil.copytree(committed("source"), release_dir)  # the instructor's version handed out by mistake
    (source_dir / "notes.txt").write_text("not a notebook")
    name = release.notebook_names()[1]
    notebook = json.loads((release_dir / name).read_text(encoding="utf-8"))
    notebook["cells"] = [c for c in notebook["cells"]
                         if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "task2_fix"]
    (release_dir / name).write_text(json.dumps(notebook), encoding="utf-8")
    problems = "\n".join(release.verify(source_dir, release_dir))
    assert "BEGIN SOLUTION" in problems and "BEGIN HIDDEN TESTS" in problems
    assert f"{name}: no answer cell with grade_id task2_fix" in problems
    assert "notes.txt" in problems


def test_english_text_of_a_markdown_cell_and_its_errors(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "task1_shuffle.py"
    path.write_text("# %% [markdown] locked\n# Задание {{task}}\n\n# %% [markdown] en\n# Task {{task}}\n\n"
                    "# %% locked id=given\nx = 1\n")
    monkeypatch.setattr(assemble, "authoring_file", lambda task: path)
    assert [c.source for c in assemble.build(1, "en").cells] == ["Task 1", "x = 1"]
    assert [c.source for c in assemble.build(1).cells] == ["Задание 1", "x = 1"]
    path.write_text("# %% [markdown] locked\n# Задание\n")
    assert assemble.build(1).cells[0].source == "Задание"
    with pytest.raises(ValueError, match=r"task1_shuffle.py: the markdown cell at line 1 has no English"):
        assemble.build(1, "en")
    path.write_text("# %% locked id=given\nx = 1\n\n# %% [markdown] en\n# Text\n")
    with pytest.raises(ValueError, match=r"task1_shuffle.py:4: an 'en' cell follows the markdown cell"):
        authoring.parse(path)
