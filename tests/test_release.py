"""`make release`: the committed source/ and release/ are what the build produces; the release is clean."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nndebug import config
from nndebug.notebook import release


def committed(kind: str) -> Path:
    return (config.SOURCE_DIR if kind == "source" else config.RELEASE_DIR) / config.assignment()


@pytest.mark.slow
def test_committed_source_and_release_do_not_drift(tmp_path: Path) -> None:
    source_dir, release_dir = release.build(tmp_path)
    for kind, built in (("source", source_dir), ("release", release_dir)):
        ours = sorted(p.name for p in committed(kind).iterdir())
        assert ours == sorted(p.name for p in built.iterdir()), f"{kind}/: other files than the build's"
        for path in built.iterdir():
            assert (committed(kind) / path.name).read_bytes() == path.read_bytes(), (
                f"{kind}/{config.assignment()}/{path.name} differs from the build: run `make release`")


def test_committed_release_passes_its_checks() -> None:
    assert release.verify(committed("source"), committed("release")) == []


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
